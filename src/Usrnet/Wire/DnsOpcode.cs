namespace Usrnet.Wire;

/// <summary>The OPCODE of a DNS message header (RFC 1035 §4.1.1; IANA DNS parameters).</summary>
internal enum DnsOpcode : byte
{
    /// <summary>QUERY, a standard query.</summary>
    Query = 0,

    /// <summary>IQUERY, an inverse query (obsoleted by RFC 3425).</summary>
    InverseQuery = 1,

    /// <summary>STATUS, a server status request.</summary>
    Status = 2,

    /// <summary>NOTIFY (RFC 1996).</summary>
    Notify = 4,

    /// <summary>UPDATE (RFC 2136).</summary>
    Update = 5,
}
