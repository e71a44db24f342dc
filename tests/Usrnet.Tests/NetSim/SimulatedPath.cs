using Usrnet.Phy;

namespace Usrnet.Tests.NetSim;

/// <summary>
/// One direction of a simulated network path, in virtual time: a frame waits in the bottleneck's drop-tail
/// queue, is serialized at the bottleneck's rate, crosses the propagation delay (some frames take longer,
/// so others overtake them) and comes out at its due instant, never before.
/// </summary>
/// <remarks>
/// Random loss is not here: <see cref="FaultInjectorDevice"/> already loses frames, at random or in bursts,
/// and <see cref="SimulatedNetwork"/> puts one on the path. Everything follows from the options, the seed
/// and the sequence of frames and instants given, so the same run gives the same frames at the same
/// instants on any machine.
/// </remarks>
internal sealed class SimulatedPath : IDisposable
{
    private const long NanosecondsPerMicrosecond = 1000;
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const int BitsPerByte = 8;

    private readonly PathOptions _options;
    private readonly Random _random;

    // Frames on the way by due instant; the sequence number keeps frames due at the same instant in the
    // order they were sent, and makes the order total, so it never depends on the heap's tie-breaking.
    private readonly PriorityQueue<PacketBuffer, (long DueMicroseconds, long Sequence)> _inFlight = new();
    private long _sequence;

    // When the bottleneck finishes sending the last frame it took, in nanoseconds: finer than Instant's
    // microseconds, so the rate stays exact over many frames (a 1514-byte frame takes 121.12 µs at 100 Mbit/s).
    private long _busyUntilNanoseconds;
    private bool _disposed;

    /// <summary>Creates an empty path.</summary>
    public SimulatedPath(PathOptions options)
    {
        options.Validate();
        _options = options;
        _random = new Random(options.Seed);
    }

    /// <summary>The options the path was made with.</summary>
    public PathOptions Options => _options;

    /// <summary>Frames sent into the path.</summary>
    public long Sent { get; private set; }

    /// <summary>Frames the full bottleneck queue dropped.</summary>
    public long QueueDropped { get; private set; }

    /// <summary>Frames held <see cref="PathOptions.ReorderDelay"/> longer than the others.</summary>
    public long HeldBack { get; private set; }

    /// <summary>Frames that came out of the path.</summary>
    public long Delivered { get; private set; }

    /// <summary>The due instant of the next frame to come out, or null when the path is empty.</summary>
    public Instant? NextRelease => _inFlight.TryPeek(out _, out (long DueMicroseconds, long) key) ? new Instant(key.DueMicroseconds) : null;

    /// <summary>Takes ownership of <paramref name="frame"/>, sent at <paramref name="now"/>.</summary>
    public void Send(Instant now, PacketBuffer frame)
    {
        if (_disposed)
        {
            // The receiving end is gone: like a cable with nothing at the far end.
            frame.Dispose();
            return;
        }
        Sent++;
        long nowNanoseconds = now.TotalMicroseconds * NanosecondsPerMicrosecond;
        long departureNanoseconds = nowNanoseconds;
        if (_options.BitsPerSecond > 0)
        {
            if (QueuedBytes(nowNanoseconds) + frame.Length > _options.QueueBytes)
            {
                QueueDropped++;
                frame.Dispose();
                return;
            }
            departureNanoseconds = Math.Max(nowNanoseconds, _busyUntilNanoseconds) + SerializationNanoseconds(frame.Length);
            _busyUntilNanoseconds = departureNanoseconds;
        }

        // The last bit has left the bottleneck at the departure; the frame is whole at the far end one
        // propagation delay later, rounded up to the clock's microsecond so it never comes out early.
        Instant due = new Instant(CeilingDivide(departureNanoseconds, NanosecondsPerMicrosecond)) + _options.Delay;
        if (_options.ReorderChance > 0 && _random.NextDouble() < _options.ReorderChance)
        {
            HeldBack++;
            due += _options.ReorderDelay;
        }
        _inFlight.Enqueue(frame, (due.TotalMicroseconds, _sequence++));
    }

    /// <summary>The next frame due at <paramref name="now"/>, or null; the caller owns it.</summary>
    public PacketBuffer? Receive(Instant now)
    {
        if (_inFlight.TryPeek(out _, out (long DueMicroseconds, long) key) && key.DueMicroseconds <= now.TotalMicroseconds)
        {
            Delivered++;
            return _inFlight.Dequeue();
        }
        return null;
    }

    /// <summary>Disposes the frames on the way; later frames are dropped as they are sent.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_inFlight.TryDequeue(out PacketBuffer? frame, out _))
        {
            frame.Dispose();
        }
    }

    /// <summary>Bytes the bottleneck has taken and not yet sent at an instant, the frame being sent included.</summary>
    private long QueuedBytes(long nowNanoseconds)
    {
        long backlog = _busyUntilNanoseconds - nowNanoseconds;
        if (backlog <= 0)
        {
            return 0;
        }
        // In 128 bits: seconds of backlog at gigabits per second overflow a long.
        Int128 bits = (Int128)backlog * _options.BitsPerSecond;
        Int128 divisor = NanosecondsPerSecond * BitsPerByte;
        return (long)((bits + divisor - 1) / divisor);
    }

    private long SerializationNanoseconds(int bytes) =>
        CeilingDivide(bytes * BitsPerByte * NanosecondsPerSecond, _options.BitsPerSecond);

    private static long CeilingDivide(long dividend, long divisor) => (dividend + divisor - 1) / divisor;
}
