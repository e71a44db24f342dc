namespace Usrnet.Sockets.Tcp;

/// <summary>What a TCP connection has done and how it sees the path, for display and tests.</summary>
public readonly record struct TcpStatistics
{
    /// <summary>Segments sent, retransmissions included.</summary>
    public long SegmentsSent { get; init; }

    /// <summary>Segments received for this connection.</summary>
    public long SegmentsReceived { get; init; }

    /// <summary>Payload bytes the peer acknowledged.</summary>
    public long BytesAcknowledged { get; init; }

    /// <summary>Payload bytes delivered in order to the receive buffer.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Segments sent again (timeouts and fast retransmits).</summary>
    public long Retransmissions { get; init; }

    /// <summary>Retransmission timer expiries.</summary>
    public long Timeouts { get; init; }

    /// <summary>Fast retransmits (loss detected by duplicate ACKs or SACK).</summary>
    public long FastRetransmits { get; init; }

    /// <summary>Tail loss probes sent (RFC 8985 §7): a segment sent to draw an ACK instead of waiting for a timeout.</summary>
    public long TailLossProbes { get; init; }

    /// <summary>ACKs or reordering timers on which RACK (RFC 8985 §6) deemed segments lost.</summary>
    public long RackLossDetections { get; init; }

    /// <summary>D-SACKs received (RFC 2883): the peer got a segment twice, usually a needless retransmission.</summary>
    public long DuplicateSacksReceived { get; init; }

    /// <summary>Congestion window reductions undone because D-SACK showed every retransmission of the episode needless (RFC 3708).</summary>
    public long RecoveriesUndone { get; init; }

    /// <summary>Smoothed round-trip time (RFC 6298), or null before the first sample.</summary>
    public TimeSpan? SmoothedRtt { get; init; }

    /// <summary>Current retransmission timeout.</summary>
    public TimeSpan RetransmissionTimeout { get; init; }

    /// <summary>Congestion window in bytes.</summary>
    public int CongestionWindow { get; init; }

    /// <summary>Slow-start threshold in bytes (int.MaxValue until the first loss).</summary>
    public int SlowStartThreshold { get; init; }

    /// <summary>The peer's current window in bytes.</summary>
    public long SendWindow { get; init; }

    /// <summary>Sender MSS in use.</summary>
    public int MaximumSegmentSize { get; init; }

    /// <summary>Segments dropped because they were outside the window or failed PAWS.</summary>
    public long SegmentsRejected { get; init; }

    /// <summary>
    /// Resets sent because data arrived after the socket was disposed, in FIN-WAIT-1 or FIN-WAIT-2
    /// (RFC 1122 §4.2.2.13: nobody will read it; Linux counts these as TCPAbortOnData).
    /// </summary>
    public long ResetsForDataAfterClose { get; init; }

    /// <summary>
    /// Times a disposed socket left FIN-WAIT-2 because the peer did not close within
    /// <see cref="TcpSocketOptions.FinWait2Timeout"/> (Linux's tcp_fin_timeout for orphans).
    /// </summary>
    public long FinWait2Timeouts { get; init; }

    /// <summary>
    /// Times the send MSS the peer announced, or an ICMP fragmentation needed implied, was below
    /// 48 bytes and raised to it (Linux's tcp_min_snd_mss, CVE-2019-11479).
    /// </summary>
    public long MssClamps { get; init; }

    /// <summary>Challenge ACKs sent for an in-window reset or a SYN on a synchronized connection (RFC 5961 §3.2, §4.2).</summary>
    public long ChallengeAcksSent { get; init; }

    /// <summary>Challenge ACKs not sent because one went less than 500 ms before (RFC 5961 §7).</summary>
    public long ChallengeAcksSuppressed { get; init; }

    /// <summary>
    /// The receive buffer the connection has now, in bytes: it starts at 64 KiB (or
    /// <see cref="TcpSocketOptions.ReceiveBufferSize"/> when smaller) and autotuning raises it toward that
    /// maximum while the peer fills it within a round trip and the application keeps reading.
    /// </summary>
    public int ReceiveBufferSize { get; init; }

    /// <summary>Bytes of memory the send and receive buffers hold now: only what queued data needs, 0 when both are empty.</summary>
    public int BufferMemory { get; init; }
}
