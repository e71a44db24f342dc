namespace Usrnet.Wire;

/// <summary>
/// Why <see cref="NdpMessage.TryCreate"/> refused a neighbor discovery message: the checks of RFC 4861
/// §6.1.1, §6.1.2, §7.1.1, §7.1.2 and §8.1 that concern the message itself. Each is a silent discard.
/// </summary>
internal enum NdpError : byte
{
    /// <summary>The message is valid.</summary>
    None,
    /// <summary>The ICMPv6 type is not one of RS, RA, NS, NA or redirect.</summary>
    NotNeighborDiscovery,
    /// <summary>The IP hop limit is not 255, so the message may come from off the link.</summary>
    HopLimitNot255,
    /// <summary>The ICMP code is not 0.</summary>
    CodeNotZero,
    /// <summary>The ICMP length is below the type's fixed part (RS 8, RA 16, NS and NA 24, redirect 40).</summary>
    TooShort,
    /// <summary>An option has length 0 or runs past the message (RFC 4861 §4.6).</summary>
    MalformedOption,
    /// <summary>An RA or a redirect not from a link-local source (RFC 4861 §6.1.2, §8.1).</summary>
    SourceNotLinkLocal,
    /// <summary>The target of an NS or NA is a multicast address (RFC 4861 §7.1.1, §7.1.2).</summary>
    MulticastTarget,
    /// <summary>An NS from the unspecified address not sent to a solicited-node group (RFC 4861 §7.1.1).</summary>
    UnspecifiedSourceNotToSolicitedNode,
    /// <summary>An RS or NS from the unspecified address with a source link-layer address option (RFC 4861 §6.1.1, §7.1.1).</summary>
    UnspecifiedSourceWithLinkLayerAddress,
    /// <summary>An NA to a multicast destination with the solicited flag set (RFC 4861 §7.1.2).</summary>
    SolicitedToMulticast,
    /// <summary>A redirect whose destination address field is multicast (RFC 4861 §8.1).</summary>
    MulticastRedirectDestination,
}
