namespace Usrnet.Wire;

/// <summary>The CLASS (and QCLASS) of a DNS resource record (RFC 1035 §3.2.4, §3.2.5).</summary>
internal enum DnsClass : ushort
{
    /// <summary>IN, the Internet.</summary>
    Internet = 1,

    /// <summary>CH, the Chaos class.</summary>
    Chaos = 3,

    /// <summary>HS, Hesiod.</summary>
    Hesiod = 4,

    /// <summary>QCLASS only: any class ("*").</summary>
    Any = 255,
}
