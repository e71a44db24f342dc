namespace Usrnet.Wire;

/// <summary>
/// Writes the neighbor discovery messages a host sends (RFC 4861 §4.1, §4.3, §4.4) with their options,
/// checksum included. Each returns the ICMPv6 message's length; the IPv6 header around it goes out with
/// hop limit <see cref="Ipv6Header.NeighborDiscoveryHopLimit"/>, which receivers check (§6.1.1, §7.1.1).
/// </summary>
internal static class NdpWriter
{
    /// <summary>Longest message written: a neighbor message and one link-layer address option.</summary>
    public const int MaxLength = NdpMessage.NeighborMessageLength + NdpOption.LinkLayerAddressLength;

    private const byte RouterFlag = 0x80;
    private const byte SolicitedFlag = 0x40;
    private const byte OverrideFlag = 0x20;

    /// <summary>
    /// A router solicitation (RFC 4861 §4.1). <paramref name="sourceLinkLayer"/> must be null when
    /// <paramref name="source"/> is unspecified (§4.1: the option is not included then).
    /// </summary>
    public static int WriteRouterSolicitation(Span<byte> message, Ipv6Address source, Ipv6Address destination, EthernetAddress? sourceLinkLayer)
    {
        RefuseLinkLayerFromUnspecified(source, sourceLinkLayer);
        int length = NdpMessage.RouterSolicitationLength + OptionLength(sourceLinkLayer);
        Span<byte> m = Start(message, length);
        WriteLinkLayerOption(m[NdpMessage.RouterSolicitationLength..], NdpOptionType.SourceLinkLayerAddress, sourceLinkLayer);
        new IcmpV6Message(IcmpV6Type.RouterSolicitation, 0, 0).WriteTo(m, source, destination);
        return length;
    }

    /// <summary>
    /// A neighbor solicitation for <paramref name="target"/> (RFC 4861 §4.3): to its solicited-node group
    /// to resolve it, to the address itself to probe reachability, or from :: without the option for
    /// duplicate address detection (RFC 4862 §5.4.2).
    /// </summary>
    public static int WriteNeighborSolicitation(Span<byte> message, Ipv6Address source, Ipv6Address destination, Ipv6Address target, EthernetAddress? sourceLinkLayer)
    {
        RefuseLinkLayerFromUnspecified(source, sourceLinkLayer);
        int length = NdpMessage.NeighborMessageLength + OptionLength(sourceLinkLayer);
        Span<byte> m = Start(message, length);
        target.WriteTo(m[NdpMessage.TargetOffset..]);
        WriteLinkLayerOption(m[NdpMessage.NeighborMessageLength..], NdpOptionType.SourceLinkLayerAddress, sourceLinkLayer);
        new IcmpV6Message(IcmpV6Type.NeighborSolicitation, 0, 0).WriteTo(m, source, destination);
        return length;
    }

    /// <summary>
    /// A neighbor advertisement for <paramref name="target"/> with the R, S and O flags (RFC 4861 §4.4):
    /// solicited answers go to the solicitation's source, unsolicited ones (and answers to DAD) to all-nodes
    /// without S (§7.2.4).
    /// </summary>
    public static int WriteNeighborAdvertisement(Span<byte> message, Ipv6Address source, Ipv6Address destination, Ipv6Address target,
        bool router, bool solicited, bool @override, EthernetAddress? targetLinkLayer)
    {
        int length = NdpMessage.NeighborMessageLength + OptionLength(targetLinkLayer);
        Span<byte> m = Start(message, length);
        uint flags = (uint)((router ? RouterFlag : 0) | (solicited ? SolicitedFlag : 0) | (@override ? OverrideFlag : 0)) << 24;
        target.WriteTo(m[NdpMessage.TargetOffset..]);
        WriteLinkLayerOption(m[NdpMessage.NeighborMessageLength..], NdpOptionType.TargetLinkLayerAddress, targetLinkLayer);
        new IcmpV6Message(IcmpV6Type.NeighborAdvertisement, 0, flags).WriteTo(m, source, destination);
        return length;
    }

    private static int OptionLength(EthernetAddress? linkLayer) => linkLayer is null ? 0 : NdpOption.LinkLayerAddressLength;

    private static void RefuseLinkLayerFromUnspecified(Ipv6Address source, EthernetAddress? linkLayer)
    {
        if (source.IsUnspecified && linkLayer is not null)
        {
            throw new ArgumentException("a message from :: carries no source link-layer address (RFC 4861 §4.1, §4.3)", nameof(linkLayer));
        }
    }

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="message"/>, zeroed: reserved fields are sent as zero.</summary>
    private static Span<byte> Start(Span<byte> message, int length)
    {
        if (message.Length < length)
        {
            throw new ArgumentException("buffer shorter than the message", nameof(message));
        }
        Span<byte> m = message[..length];
        m.Clear();
        return m;
    }

    /// <summary>A link-layer address option for Ethernet: type, length 1, the six octets (RFC 4861 §4.6.1; RFC 2464 §6).</summary>
    private static void WriteLinkLayerOption(Span<byte> option, NdpOptionType type, EthernetAddress? address)
    {
        if (address is { } mac)
        {
            option[0] = (byte)type;
            option[1] = NdpOption.LinkLayerAddressLength / 8;
            mac.WriteTo(option[2..]);
        }
    }
}
