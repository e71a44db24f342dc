namespace Usrnet.Sockets.Dns;

/// <summary>How the last answer of a <see cref="DnsQuery"/> came.</summary>
public enum DnsTransport
{
    /// <summary>Without traffic: from the cache, or the name was an address literal.</summary>
    None,

    /// <summary>Over UDP (RFC 1035 §4.2.1).</summary>
    Udp,

    /// <summary>Over TCP, after a truncated UDP answer (RFC 1035 §4.2.2, RFC 7766 §5).</summary>
    Tcp,
}
