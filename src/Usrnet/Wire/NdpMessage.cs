using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view over a neighbor discovery message (RFC 4861 §4): router solicitation and advertisement,
/// neighbor solicitation and advertisement, redirect. <see cref="TryCreate"/> applies the validity checks
/// that concern the message itself once; every accessor is then in bounds. The ICMPv6 checksum is
/// checked before, by <see cref="IcmpV6Message.TryParse"/>; the checks that need the stack's state (a
/// redirect from the current first-hop router, an NA for a tentative address) are the caller's. A field
/// read from a message type that lacks it is 0 (or ::), so no accessor can leave the message.
/// </summary>
/// <remarks>
/// <code>
/// RS  (§4.1)  type 133 | code | checksum | reserved (4)                                         | options
/// RA  (§4.2)  type 134 | code | checksum | cur hop limit | M O | router lifetime | reachable time | retrans timer | options
/// NS  (§4.3)  type 135 | code | checksum | reserved (4)          | target address (16)         | options
/// NA  (§4.4)  type 136 | code | checksum | R S O, reserved (4)   | target address (16)         | options
/// Redirect (§4.5) 137  | code | checksum | reserved (4) | target address (16) | destination address (16) | options
/// </code>
/// </remarks>
internal readonly ref struct NdpMessage
{
    /// <summary>Fixed part of a router solicitation (RFC 4861 §4.1).</summary>
    public const int RouterSolicitationLength = 8;

    /// <summary>Fixed part of a router advertisement (RFC 4861 §4.2).</summary>
    public const int RouterAdvertisementLength = 16;

    /// <summary>Fixed part of a neighbor solicitation or advertisement (RFC 4861 §4.3, §4.4).</summary>
    public const int NeighborMessageLength = 24;

    /// <summary>Fixed part of a redirect (RFC 4861 §4.5).</summary>
    public const int RedirectLength = 40;

    /// <summary>The target address's offset in NS, NA and redirect.</summary>
    public const int TargetOffset = 8;

    private const byte ManagedFlag = 0x80;
    private const byte OtherFlag = 0x40;
    private const byte RouterFlag = 0x80;
    private const byte SolicitedFlag = 0x40;
    private const byte OverrideFlag = 0x20;

    private readonly ReadOnlySpan<byte> _message; // the whole ICMPv6 message

    private NdpMessage(ReadOnlySpan<byte> message) => _message = message;

    /// <summary>
    /// Creates a view of the ICMPv6 message <paramref name="message"/>, which arrived with IP hop limit
    /// <paramref name="hopLimit"/> from <paramref name="source"/> to <paramref name="destination"/>, and
    /// returns <see cref="NdpError.None"/> when it passes RFC 4861's checks on the message itself.
    /// </summary>
    public static NdpError TryCreate(ReadOnlySpan<byte> message, byte hopLimit, Ipv6Address source, Ipv6Address destination, out NdpMessage ndp)
    {
        ndp = default;
        if (message.Length < IcmpV6Message.HeaderLength)
        {
            return NdpError.TooShort;
        }
        var type = (IcmpV6Type)message[0];
        int fixedLength = FixedLength(type);
        if (fixedLength == 0)
        {
            return NdpError.NotNeighborDiscovery;
        }
        if (hopLimit != Ipv6Header.NeighborDiscoveryHopLimit)
        {
            return NdpError.HopLimitNot255;
        }
        if (message[1] != 0)
        {
            return NdpError.CodeNotZero;
        }
        if (message.Length < fixedLength)
        {
            return NdpError.TooShort;
        }
        ReadOnlySpan<byte> options = message[fixedLength..];
        if (!NdpOptionReader.AreWellFormed(options))
        {
            return NdpError.MalformedOption;
        }
        var view = new NdpMessage(message);
        NdpError error = type switch
        {
            IcmpV6Type.RouterSolicitation when source.IsUnspecified && NdpOptionReader.Contains(options, NdpOptionType.SourceLinkLayerAddress) => NdpError.UnspecifiedSourceWithLinkLayerAddress,
            IcmpV6Type.RouterAdvertisement or IcmpV6Type.Redirect when !source.IsLinkLocal => NdpError.SourceNotLinkLocal,
            IcmpV6Type.NeighborSolicitation or IcmpV6Type.NeighborAdvertisement when view.TargetAddress.IsMulticast => NdpError.MulticastTarget,
            IcmpV6Type.NeighborSolicitation when source.IsUnspecified && Ipv6Address.SolicitedNode(destination) != destination => NdpError.UnspecifiedSourceNotToSolicitedNode,
            IcmpV6Type.NeighborSolicitation when source.IsUnspecified && NdpOptionReader.Contains(options, NdpOptionType.SourceLinkLayerAddress) => NdpError.UnspecifiedSourceWithLinkLayerAddress,
            IcmpV6Type.NeighborAdvertisement when destination.IsMulticast && view.Solicited => NdpError.SolicitedToMulticast,
            IcmpV6Type.Redirect when view.RedirectDestination.IsMulticast => NdpError.MulticastRedirectDestination,
            _ => NdpError.None,
        };
        if (error == NdpError.None)
        {
            ndp = view;
        }
        return error;
    }

    /// <summary>The fixed part's length for an NDP type, 0 for any other type.</summary>
    public static int FixedLength(IcmpV6Type type) => type switch
    {
        IcmpV6Type.RouterSolicitation => RouterSolicitationLength,
        IcmpV6Type.RouterAdvertisement => RouterAdvertisementLength,
        IcmpV6Type.NeighborSolicitation or IcmpV6Type.NeighborAdvertisement => NeighborMessageLength,
        IcmpV6Type.Redirect => RedirectLength,
        _ => 0,
    };

    /// <summary>The message type.</summary>
    public IcmpV6Type Type => (IcmpV6Type)_message[0];

    /// <summary>RA: the hop limit hosts should use, 0 for unspecified (RFC 4861 §4.2).</summary>
    public byte CurHopLimit => IsRouterAdvertisement ? _message[4] : (byte)0;

    /// <summary>RA: M, addresses are available by DHCPv6 (RFC 4861 §4.2).</summary>
    public bool Managed => IsRouterAdvertisement && (_message[5] & ManagedFlag) != 0;

    /// <summary>RA: O, other configuration is available by DHCPv6 (RFC 4861 §4.2).</summary>
    public bool OtherConfiguration => IsRouterAdvertisement && (_message[5] & OtherFlag) != 0;

    /// <summary>RA: seconds the router may be a default router; 0 means it is not one (RFC 4861 §4.2).</summary>
    public ushort RouterLifetime => IsRouterAdvertisement ? BinaryPrimitives.ReadUInt16BigEndian(_message[6..]) : (ushort)0;

    /// <summary>RA: milliseconds a neighbor is reachable after a confirmation, 0 for unspecified (RFC 4861 §4.2).</summary>
    public uint ReachableTime => IsRouterAdvertisement ? BinaryPrimitives.ReadUInt32BigEndian(_message[8..]) : 0;

    /// <summary>RA: milliseconds between retransmitted neighbor solicitations, 0 for unspecified (RFC 4861 §4.2).</summary>
    public uint RetransTimer => IsRouterAdvertisement ? BinaryPrimitives.ReadUInt32BigEndian(_message[12..]) : 0;

    /// <summary>NA: R, the sender is a router (RFC 4861 §4.4).</summary>
    public bool Router => IsNeighborAdvertisement && (_message[4] & RouterFlag) != 0;

    /// <summary>NA: S, sent in response to a solicitation (RFC 4861 §4.4).</summary>
    public bool Solicited => IsNeighborAdvertisement && (_message[4] & SolicitedFlag) != 0;

    /// <summary>NA: O, override an existing cache entry (RFC 4861 §4.4).</summary>
    public bool Override => IsNeighborAdvertisement && (_message[4] & OverrideFlag) != 0;

    /// <summary>NS, NA, redirect: the target address (RFC 4861 §4.3, §4.4, §4.5).</summary>
    public Ipv6Address TargetAddress => Type is IcmpV6Type.NeighborSolicitation or IcmpV6Type.NeighborAdvertisement or IcmpV6Type.Redirect ? Ipv6Address.Read(_message[TargetOffset..]) : default;

    /// <summary>Redirect: the destination that is redirected to the target (RFC 4861 §4.5).</summary>
    public Ipv6Address RedirectDestination => Type == IcmpV6Type.Redirect ? Ipv6Address.Read(_message[NeighborMessageLength..]) : default;

    private bool IsRouterAdvertisement => Type == IcmpV6Type.RouterAdvertisement;

    private bool IsNeighborAdvertisement => Type == IcmpV6Type.NeighborAdvertisement;

    /// <summary>The options after the fixed part, walked with <see cref="NdpOptionReader"/>.</summary>
    public ReadOnlySpan<byte> Options => _message[FixedLength(Type)..];
}
