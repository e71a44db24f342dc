namespace Usrnet.Wire;

/// <summary>Next Header values of the IPv6 extension headers the stack walks (RFC 8200 §4; IANA "IPv6 Extension Header Types").</summary>
internal enum Ipv6ExtensionHeaderType : byte
{
    /// <summary>Hop-by-hop options, only right after the fixed header (RFC 8200 §4.3).</summary>
    HopByHopOptions = 0,
    /// <summary>Routing header (RFC 8200 §4.4).</summary>
    Routing = 43,
    /// <summary>Fragment header (RFC 8200 §4.5).</summary>
    Fragment = 44,
    /// <summary>No next header: nothing follows (RFC 8200 §4.7).</summary>
    NoNextHeader = 59,
    /// <summary>Destination options (RFC 8200 §4.6).</summary>
    DestinationOptions = 60,
}
