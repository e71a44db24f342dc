namespace Usrnet.Phy;

/// <summary>Converts the <see cref="IDevice.Wait"/> timeout to the milliseconds that poll(2) and the .NET waits take.</summary>
internal static class DeviceTimeout
{
    /// <summary>The "wait without limit" value of poll(2) and of <see cref="ManualResetEventSlim.Wait(int)"/>.</summary>
    public const int Infinite = -1;

    /// <summary>
    /// Milliseconds to wait: <see cref="Infinite"/> for null or <see cref="Timeout.InfiniteTimeSpan"/>, 0 for
    /// other negative values, otherwise rounded up — a deadline 0.3 ms away must not become a 0 ms wait,
    /// or the poll loop spins until it arrives.
    /// </summary>
    public static int ToMilliseconds(TimeSpan? timeout)
    {
        if (timeout is not { } value || value == Timeout.InfiniteTimeSpan)
        {
            return Infinite;
        }
        if (value <= TimeSpan.Zero)
        {
            return 0;
        }
        long milliseconds = value.Ticks / TimeSpan.TicksPerMillisecond + (value.Ticks % TimeSpan.TicksPerMillisecond == 0 ? 0 : 1);
        return (int)Math.Min(milliseconds, int.MaxValue);
    }

    /// <summary>The shorter of two optional timeouts (null means without limit).</summary>
    public static TimeSpan? Min(TimeSpan? a, TimeSpan? b)
    {
        a = a == Timeout.InfiniteTimeSpan ? null : a;
        b = b == Timeout.InfiniteTimeSpan ? null : b;
        return a is null ? b : b is null ? a : (a.Value <= b.Value ? a : b);
    }
}
