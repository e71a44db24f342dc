namespace Usrnet.Wire;

/// <summary>Codes of the ICMPv6 parameter problem message (RFC 4443 §3.4; RFC 7112 §5).</summary>
internal enum IcmpV6ParameterProblemCode : byte
{
    /// <summary>Erroneous header field encountered.</summary>
    ErroneousHeaderField = 0,
    /// <summary>Unrecognized Next Header type encountered.</summary>
    UnrecognizedNextHeader = 1,
    /// <summary>Unrecognized IPv6 option encountered.</summary>
    UnrecognizedOption = 2,
    /// <summary>The first fragment has an incomplete IPv6 header chain (RFC 7112 §5; RFC 8200 §4.5).</summary>
    IncompleteHeaderChain = 3,
}
