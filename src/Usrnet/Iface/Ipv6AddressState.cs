namespace Usrnet.Iface;

/// <summary>Where an IPv6 address of the interface stands in duplicate address detection (RFC 4862 §5.4).</summary>
public enum Ipv6AddressState
{
    /// <summary>Being verified: not yet used as a source, nor accepted as a destination (RFC 4862 §5.4).</summary>
    Tentative,
    /// <summary>Verified unique on the link, and in use.</summary>
    Preferred,
    /// <summary>Another node uses it (RFC 4862 §5.4.5): never used.</summary>
    Duplicated,
}
