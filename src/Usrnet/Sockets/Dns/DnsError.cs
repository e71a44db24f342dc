namespace Usrnet.Sockets.Dns;

/// <summary>Why a <see cref="DnsQuery"/> failed.</summary>
public enum DnsError
{
    /// <summary>No error (the query is pending or succeeded).</summary>
    None,

    /// <summary>NXDOMAIN: the name does not exist (RCODE 3, RFC 1035 §4.1.1; RFC 2308 §2.1).</summary>
    NameError,

    /// <summary>NODATA: the name exists but has no records of the type asked (RFC 2308 §2.2).</summary>
    NoData,

    /// <summary>SERVFAIL from every server asked (RCODE 2).</summary>
    ServerFailure,

    /// <summary>REFUSED from every server asked (RCODE 5).</summary>
    Refused,

    /// <summary>NOTIMP from every server asked (RCODE 4).</summary>
    NotImplemented,

    /// <summary>FORMERR from every server asked (RCODE 1): the server could not read our query.</summary>
    FormatError,

    /// <summary>No answer within the attempts and timeouts of <see cref="DnsResolverOptions"/>.</summary>
    Timeout,

    /// <summary>No server to ask: <see cref="DnsResolver.Servers"/> is empty.</summary>
    NoServers,

    /// <summary>The only answers that came back were malformed (and were dropped).</summary>
    Malformed,

    /// <summary>The server's host runs no name server: ICMP port unreachable, or a reset in answer to our TCP SYN.</summary>
    ConnectionRefused,

    /// <summary>
    /// The server could not be reached, or its TCP connection failed: ICMP host or network unreachable,
    /// no answer to ARP, a reset or time-out on an open connection, or a close before the answer.
    /// </summary>
    ServerUnreachable,

    /// <summary>A TCP fallback was needed but the interface has no address to connect from.</summary>
    NetworkUnreachable,

    /// <summary>CNAME records led in a loop, or through more aliases than <see cref="DnsResolverOptions.MaxCanonicalNameChain"/>.</summary>
    CanonicalNameChainTooLong,

    /// <summary>The query was cancelled by its owner.</summary>
    Cancelled,
}
