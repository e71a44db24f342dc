namespace Usrnet.Wire;

/// <summary>
/// Option types of the hop-by-hop and destination options headers the stack recognises (RFC 8200 §4.2).
/// The top two bits of any other type say what to do with it (<see cref="Ipv6HeaderChain"/>).
/// </summary>
internal enum Ipv6OptionType : byte
{
    /// <summary>One octet of padding, with no length or value (RFC 8200 §4.2).</summary>
    Pad1 = 0,
    /// <summary>Two or more octets of padding (RFC 8200 §4.2).</summary>
    PadN = 1,
    /// <summary>Router Alert, a hop-by-hop option with a 2-octet value (RFC 2711 §2); MLD messages carry it (RFC 3810 §5).</summary>
    RouterAlert = 5,
}
