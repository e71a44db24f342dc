namespace Usrnet.Sockets.Tcp;

/// <summary>The connection states of RFC 9293 §3.3.2.</summary>
public enum TcpState
{
    /// <summary>No connection.</summary>
    Closed,
    /// <summary>Waiting for a connection request (a listener).</summary>
    Listen,
    /// <summary>SYN sent, waiting for a matching SYN.</summary>
    SynSent,
    /// <summary>SYN received and answered, waiting for its acknowledgment.</summary>
    SynReceived,
    /// <summary>Open: data flows both ways.</summary>
    Established,
    /// <summary>We closed; our FIN is not yet acknowledged.</summary>
    FinWait1,
    /// <summary>Our FIN is acknowledged; waiting for the peer's FIN.</summary>
    FinWait2,
    /// <summary>The peer closed; we may still send.</summary>
    CloseWait,
    /// <summary>Both closed at once; waiting for the acknowledgment of our FIN.</summary>
    Closing,
    /// <summary>The peer closed, then we did; waiting for the acknowledgment of our FIN.</summary>
    LastAck,
    /// <summary>Both FINs acknowledged; waiting 2×MSL so late segments die (RFC 9293 §3.6.1).</summary>
    TimeWait,
}
