namespace Usrnet.Wire;

/// <summary>Codes of ICMPv6 destination unreachable (RFC 4443 §3.1).</summary>
internal enum IcmpV6Unreachable : byte
{
    /// <summary>No route to destination.</summary>
    NoRoute = 0,
    /// <summary>Communication with destination administratively prohibited.</summary>
    AdministrativelyProhibited = 1,
    /// <summary>Beyond scope of source address.</summary>
    BeyondScope = 2,
    /// <summary>Address unreachable: neighbor discovery failed (RFC 4861 §7.2.2).</summary>
    Address = 3,
    /// <summary>Port unreachable.</summary>
    Port = 4,
    /// <summary>Source address failed ingress/egress policy.</summary>
    SourcePolicyFailed = 5,
    /// <summary>Reject route to destination.</summary>
    RejectRoute = 6,
}
