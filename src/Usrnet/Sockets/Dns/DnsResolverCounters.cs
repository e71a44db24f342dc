namespace Usrnet.Sockets.Dns;

/// <summary>What a <see cref="DnsResolver"/> sent, received and dropped.</summary>
public sealed class DnsResolverCounters
{
    /// <summary>Made by the resolver that counts; users read them.</summary>
    internal DnsResolverCounters()
    {
    }

    /// <summary>Queries sent over UDP, retransmissions included.</summary>
    public long QueriesSent { get; internal set; }

    /// <summary>UDP queries sent again after a timeout or to the next server.</summary>
    public long Retransmissions { get; internal set; }

    /// <summary>Attempts that ended without an answer in time.</summary>
    public long Timeouts { get; internal set; }

    /// <summary>Responses that matched their query and were used (errors such as SERVFAIL included).</summary>
    public long ResponsesAccepted { get; internal set; }

    /// <summary>
    /// Datagrams dropped because they did not match the query they arrived for: wrong source address or
    /// port, not a response, wrong ID, or a different question (RFC 5452 §9.1).
    /// </summary>
    public long DroppedMismatched { get; internal set; }

    /// <summary>Responses dropped because they did not parse (lying counts, bad names, cut records).</summary>
    public long DroppedMalformed { get; internal set; }

    /// <summary>Truncated UDP answers (TC set), each followed by a query over TCP.</summary>
    public long Truncated { get; internal set; }

    /// <summary>TCP connections opened for queries.</summary>
    public long TcpConnections { get; internal set; }

    /// <summary>Questions answered from the cache, positive or negative.</summary>
    public long CacheHits { get; internal set; }
}
