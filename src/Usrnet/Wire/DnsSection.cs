namespace Usrnet.Wire;

/// <summary>The section of a DNS message a resource record came from (RFC 1035 §4.1).</summary>
internal enum DnsSection : byte
{
    /// <summary>Records that answer the question.</summary>
    Answer,

    /// <summary>Records that point toward an authority (NS, or the SOA of a negative answer, RFC 2308 §3).</summary>
    Authority,

    /// <summary>Records that relate to the query but are not strictly answers.</summary>
    Additional,
}
