namespace Usrnet.Wire;

/// <summary>
/// One block of a SACK option (RFC 2018 §3): a run of data the receiver holds beyond its cumulative
/// acknowledgment.
/// </summary>
/// <param name="Left">Left edge: the first sequence number of the block.</param>
/// <param name="Right">Right edge: the sequence number just after the last byte of the block.</param>
internal readonly record struct TcpSackBlock(TcpSeqNumber Left, TcpSeqNumber Right)
{
    /// <summary>Length of a block on the wire: two 32-bit edges.</summary>
    public const int WireLength = 8;

    /// <summary>Bytes the block covers, <c>Right − Left</c> in sequence space.</summary>
    public int Length => Right - Left;

    /// <summary>The block as <c>left-right</c>, as tcpdump prints SACK blocks.</summary>
    public override string ToString() => $"{Left}-{Right}";
}
