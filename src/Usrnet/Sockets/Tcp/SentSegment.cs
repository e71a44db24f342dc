using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>What the sender knows of one segment it sent and the peer has not cumulatively acknowledged.</summary>
[Flags]
internal enum SentSegmentFlags : byte
{
    None = 0,

    /// <summary>The peer selectively acknowledged it (RFC 2018): it arrived.</summary>
    Sacked = 1,

    /// <summary>
    /// Deemed lost (RACK, RFC 8985 §6.2, a timeout, or NewReno's partial ACK). It stays set once the
    /// segment is resent; with <see cref="Retransmitted"/> clear it still has to be resent.
    /// </summary>
    Lost = 2,

    /// <summary>A retransmission of it is in flight (RFC 6675 §4 SetPipe counts it).</summary>
    Retransmitted = 4,

    /// <summary>It was sent more than once (RFC 8985 Segment.retransmitted): its ACK is ambiguous for RTT.</summary>
    EverRetransmitted = 8,

    /// <summary>It carries our FIN as its last sequence number.</summary>
    Fin = 16,
}

/// <summary>
/// One segment of the send sequence space as it was last sent: where it starts, how long it is (a FIN
/// counts one), when it was sent (RFC 8985 Segment.xmit_ts) and what has become of it.
/// </summary>
internal struct SentSegment
{
    /// <summary>The first sequence number.</summary>
    public TcpSeqNumber Start;

    /// <summary>Sequence-space length: the data, plus one for a FIN.</summary>
    public int Length;

    /// <summary>When it was last (re)transmitted.</summary>
    public Instant SentAt;

    /// <summary>
    /// Where its last transmission falls in the order of all transmissions of the connection. RFC 8985
    /// orders transmissions by (xmit_ts, end_seq); a counter orders them exactly, also when a
    /// retransmission goes out within the same clock tick as later original segments.
    /// </summary>
    public long SendOrder;

    /// <summary>Our timestamp clock when it was last sent (RFC 7323 TSval), to match echoes to transmissions.</summary>
    public uint SentTimestamp;

    /// <summary>What is known of it.</summary>
    public SentSegmentFlags Flags;

    /// <summary>The sequence number after it.</summary>
    public readonly TcpSeqNumber End => Start + Length;

    /// <summary>Data bytes: the length less a FIN.</summary>
    public readonly int DataLength => Length - (Has(SentSegmentFlags.Fin) ? 1 : 0);

    /// <summary>True when every flag in <paramref name="flags"/> is set.</summary>
    public readonly bool Has(SentSegmentFlags flags) => (Flags & flags) == flags;
}
