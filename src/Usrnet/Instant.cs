namespace Usrnet;

/// <summary>
/// A point in time on the stack's own clock, in microseconds since an arbitrary origin.
/// </summary>
/// <remarks>
/// The core never reads a clock: every operation that depends on time takes an <see cref="Instant"/>
/// from its caller. Tests drive virtual time by simply passing larger values; the async facade and the
/// CLI pass <see cref="Now"/>.
/// </remarks>
/// <param name="TotalMicroseconds">Microseconds since the clock's origin.</param>
public readonly record struct Instant(long TotalMicroseconds) : IComparable<Instant>
{
    /// <summary>The origin of the clock.</summary>
    public static Instant Zero => default;

    /// <summary>Milliseconds since the clock's origin.</summary>
    public long TotalMilliseconds => TotalMicroseconds / 1000;

    /// <summary>Creates an instant from milliseconds since the origin.</summary>
    public static Instant FromMilliseconds(long milliseconds) => new(milliseconds * 1000);

    /// <summary>Creates an instant from seconds since the origin.</summary>
    public static Instant FromSeconds(double seconds) => new((long)(seconds * 1_000_000));

    /// <summary>The current time of a monotonic clock (<see cref="System.Diagnostics.Stopwatch"/>).</summary>
    public static Instant Now => new((long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1_000_000.0 / System.Diagnostics.Stopwatch.Frequency)));

    /// <summary>Adds a duration.</summary>
    public static Instant operator +(Instant instant, TimeSpan duration) => new(instant.TotalMicroseconds + duration.Ticks / TimeSpan.TicksPerMicrosecond);

    /// <summary>Subtracts a duration.</summary>
    public static Instant operator -(Instant instant, TimeSpan duration) => new(instant.TotalMicroseconds - duration.Ticks / TimeSpan.TicksPerMicrosecond);

    /// <summary>The duration between two instants.</summary>
    public static TimeSpan operator -(Instant later, Instant earlier) => TimeSpan.FromMicroseconds(later.TotalMicroseconds - earlier.TotalMicroseconds);

    /// <inheritdoc/>
    public int CompareTo(Instant other) => TotalMicroseconds.CompareTo(other.TotalMicroseconds);

    /// <summary>Compares two instants.</summary>
    public static bool operator <(Instant left, Instant right) => left.TotalMicroseconds < right.TotalMicroseconds;

    /// <summary>Compares two instants.</summary>
    public static bool operator >(Instant left, Instant right) => left.TotalMicroseconds > right.TotalMicroseconds;

    /// <summary>Compares two instants.</summary>
    public static bool operator <=(Instant left, Instant right) => left.TotalMicroseconds <= right.TotalMicroseconds;

    /// <summary>Compares two instants.</summary>
    public static bool operator >=(Instant left, Instant right) => left.TotalMicroseconds >= right.TotalMicroseconds;

    /// <summary>The earlier of two instants.</summary>
    public static Instant Min(Instant a, Instant b) => a < b ? a : b;

    /// <summary>The earlier of an optional deadline and another one.</summary>
    public static Instant? Min(Instant? a, Instant? b) => a is null ? b : b is null ? a : Min(a.Value, b.Value);

    /// <inheritdoc/>
    public override string ToString() => $"{TotalMicroseconds / 1_000_000}.{TotalMicroseconds % 1_000_000:D6}s";
}
