namespace Usrnet.Wire;

/// <summary>Codes of ICMPv4 destination unreachable (RFC 792; RFC 1122 §3.2.2.1; RFC 1191).</summary>
internal enum IcmpV4Unreachable : byte
{
    /// <summary>Net unreachable.</summary>
    Net = 0,
    /// <summary>Host unreachable.</summary>
    Host = 1,
    /// <summary>Protocol unreachable.</summary>
    Protocol = 2,
    /// <summary>Port unreachable.</summary>
    Port = 3,
    /// <summary>Fragmentation needed and DF set; carries the next-hop MTU (RFC 1191 §4).</summary>
    FragmentationNeeded = 4,
    /// <summary>Source route failed.</summary>
    SourceRouteFailed = 5,
    /// <summary>Communication administratively prohibited (RFC 1812).</summary>
    AdministrativelyProhibited = 13,
}
