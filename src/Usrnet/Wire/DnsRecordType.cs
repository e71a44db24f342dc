namespace Usrnet.Wire;

/// <summary>The TYPE (and QTYPE) of a DNS resource record (RFC 1035 §3.2.2, §3.2.3; IANA DNS parameters).</summary>
public enum DnsRecordType : ushort
{
    /// <summary>A host address (RFC 1035 §3.4.1).</summary>
    A = 1,

    /// <summary>An authoritative name server (RFC 1035 §3.3.11).</summary>
    NS = 2,

    /// <summary>The canonical name for an alias (RFC 1035 §3.3.1).</summary>
    CNAME = 5,

    /// <summary>The start of a zone of authority (RFC 1035 §3.3.13); its MINIMUM sets the negative-caching TTL (RFC 2308 §4).</summary>
    SOA = 6,

    /// <summary>A domain name pointer (RFC 1035 §3.3.12).</summary>
    PTR = 12,

    /// <summary>Mail exchange (RFC 1035 §3.3.9).</summary>
    MX = 15,

    /// <summary>Text strings (RFC 1035 §3.3.14).</summary>
    TXT = 16,

    /// <summary>An IPv6 host address (RFC 3596 §2.1).</summary>
    AAAA = 28,

    /// <summary>Service location (RFC 2782).</summary>
    SRV = 33,

    /// <summary>The EDNS(0) pseudo-record (RFC 6891 §6.1.1).</summary>
    OPT = 41,

    /// <summary>QTYPE only: all records (RFC 1035 §3.2.3, "*").</summary>
    ANY = 255,
}
