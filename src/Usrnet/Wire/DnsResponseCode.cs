namespace Usrnet.Wire;

/// <summary>The RCODE of a DNS message header (RFC 1035 §4.1.1).</summary>
internal enum DnsResponseCode : byte
{
    /// <summary>NOERROR: no error condition.</summary>
    NoError = 0,

    /// <summary>FORMERR: the server could not interpret the query.</summary>
    FormatError = 1,

    /// <summary>SERVFAIL: the server could not process the query because of a problem of its own.</summary>
    ServerFailure = 2,

    /// <summary>NXDOMAIN: the name does not exist (only meaningful from an authoritative server, RFC 2308 §2.1).</summary>
    NameError = 3,

    /// <summary>NOTIMP: the server does not support this kind of query.</summary>
    NotImplemented = 4,

    /// <summary>REFUSED: the server refuses to answer for policy reasons.</summary>
    Refused = 5,
}
