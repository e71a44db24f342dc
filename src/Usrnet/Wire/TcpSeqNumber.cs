namespace Usrnet.Wire;

/// <summary>
/// A TCP sequence number: a point in the 32-bit sequence space, where arithmetic is modulo 2^32
/// (RFC 9293 §3.4).
/// </summary>
/// <remarks>
/// Comparison is by signed 32-bit distance ("serial number arithmetic", RFC 1982 §3.2): <c>a &lt; b</c>
/// when <c>b</c> is less than 2^31 ahead of <c>a</c>, so <c>0xFFFF_FFFF &lt; 0x0000_0001</c>. This is
/// not a total order: two numbers exactly 2^31 apart compare as each less than the other, and RFC 1982
/// leaves that case undefined. TCP never compares numbers that far apart, since the window is at most
/// 2^30 bytes (RFC 7323 §2.3). For the same reason the type does not implement <see cref="IComparable{T}"/>.
/// </remarks>
/// <param name="Value">The number as carried in the header.</param>
internal readonly record struct TcpSeqNumber(uint Value)
{
    /// <summary>The number <paramref name="count"/> bytes after <paramref name="sequence"/> (before it, when negative), modulo 2^32.</summary>
    public static TcpSeqNumber operator +(TcpSeqNumber sequence, int count) => new(unchecked(sequence.Value + (uint)count));

    /// <summary>The number <paramref name="count"/> bytes before <paramref name="sequence"/>, modulo 2^32.</summary>
    public static TcpSeqNumber operator -(TcpSeqNumber sequence, int count) => new(unchecked(sequence.Value - (uint)count));

    /// <summary>
    /// The signed distance from <paramref name="right"/> to <paramref name="left"/>: positive when
    /// <paramref name="left"/> is after <paramref name="right"/>, so <c>b + (a - b) == a</c> always.
    /// </summary>
    public static int operator -(TcpSeqNumber left, TcpSeqNumber right) => unchecked((int)(left.Value - right.Value));

    /// <summary>True when <paramref name="left"/> comes before <paramref name="right"/> (RFC 9293 §3.4 "&lt;").</summary>
    public static bool operator <(TcpSeqNumber left, TcpSeqNumber right) => left - right < 0;

    /// <summary>True when <paramref name="left"/> comes before or is <paramref name="right"/> (RFC 9293 §3.4 "=&lt;").</summary>
    public static bool operator <=(TcpSeqNumber left, TcpSeqNumber right) => left - right <= 0;

    /// <summary>True when <paramref name="left"/> comes after <paramref name="right"/>.</summary>
    public static bool operator >(TcpSeqNumber left, TcpSeqNumber right) => left - right > 0;

    /// <summary>True when <paramref name="left"/> comes after or is <paramref name="right"/>.</summary>
    public static bool operator >=(TcpSeqNumber left, TcpSeqNumber right) => left - right >= 0;

    /// <summary>The later of two numbers in sequence space.</summary>
    public static TcpSeqNumber Max(TcpSeqNumber a, TcpSeqNumber b) => a > b ? a : b;

    /// <summary>The earlier of two numbers in sequence space.</summary>
    public static TcpSeqNumber Min(TcpSeqNumber a, TcpSeqNumber b) => a < b ? a : b;

    /// <summary>The number in decimal, as tcpdump and Wireshark print absolute sequence numbers.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
