namespace Usrnet.Wire;

/// <summary>
/// The control bits of a TCP header: the 14th octet (RFC 9293 §3.1; ECE and CWR from RFC 3168 §6.1).
/// </summary>
[Flags]
internal enum TcpFlags : byte
{
    /// <summary>No bits set.</summary>
    None = 0,
    /// <summary>FIN: no more data from the sender.</summary>
    Fin = 1,
    /// <summary>SYN: synchronize sequence numbers.</summary>
    Syn = 2,
    /// <summary>RST: reset the connection.</summary>
    Rst = 4,
    /// <summary>PSH: push function.</summary>
    Psh = 8,
    /// <summary>ACK: the acknowledgment number is significant.</summary>
    Ack = 16,
    /// <summary>URG: the urgent pointer is significant.</summary>
    Urg = 32,
    /// <summary>ECE: ECN-Echo (RFC 3168 §6.1).</summary>
    Ece = 64,
    /// <summary>CWR: congestion window reduced (RFC 3168 §6.1).</summary>
    Cwr = 128,
}
