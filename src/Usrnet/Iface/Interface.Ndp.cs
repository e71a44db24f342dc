using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    /// <summary>RFC 4862 §5.1 DupAddrDetectTransmits: solicitations sent before an address is used (default 1).</summary>
    private const int DupAddrDetectTransmits = 1;

    private void ProcessNdp(Instant now, in Ipv6Packet ip, ReadOnlySpan<byte> message)
    {
        // RFC 4861 §7.1.1, §7.1.2 (and §6.1): hop limit 255, code 0, well-formed options; the checksum was verified.
        NdpError error = NdpMessage.TryCreate(message, ip.HopLimit, ip.Source, ip.Destination, out NdpMessage ndp);
        if (error != NdpError.None)
        {
            Counters.DroppedNdpInvalid++;
            return;
        }
        switch (ndp.Type)
        {
            case IcmpV6Type.NeighborSolicitation:
                ProcessNeighborSolicitation(now, ip.Source, ndp);
                break;
            case IcmpV6Type.NeighborAdvertisement:
                ProcessNeighborAdvertisement(now, ndp);
                break;
            default:
                Counters.IcmpIgnored++; // a host ignores RS (RFC 4861 §6.2.6); RA and redirects are not taken yet
                break;
        }
    }

    private void ProcessNeighborSolicitation(Instant now, Ipv6Address source, in NdpMessage ns)
    {
        Ipv6Address target = ns.TargetAddress;
        Ipv6Slot? slot = FindSlot(target);
        if (slot is null || slot.State == Ipv6AddressState.Duplicated)
        {
            Counters.IcmpIgnored++; // RFC 4861 §7.2.3: not one of our addresses: silently discard
            return;
        }
        if (slot.State == Ipv6AddressState.Tentative)
        {
            // RFC 4862 §5.4.3: a DAD solicitation (from ::) for our tentative address: another node wants it
            // too. One from a unicast source is address resolution, not for a tentative address: discard.
            if (source.IsUnspecified)
            {
                MarkDuplicated(slot);
            }
            return;
        }
        EthernetAddress? sourceLinkLayer = FindLinkLayerOption(ns.Options, NdpOptionType.SourceLinkLayerAddress);
        if (source.IsUnspecified)
        {
            // RFC 4861 §7.2.4: answer DAD to all-nodes, S clear.
            SendNeighborAdvertisement(now, target, Ipv6Address.AllNodes, solicited: false);
            return;
        }
        if (sourceLinkLayer is { } mac)
        {
            _ndp.Learned(now, source, mac, this); // §7.2.3: create or update the sender's entry
        }
        SendNeighborAdvertisement(now, target, source, solicited: true);
    }

    private void ProcessNeighborAdvertisement(Instant now, in NdpMessage na)
    {
        Ipv6Address target = na.TargetAddress;
        if (FindSlot(target) is { } slot)
        {
            // RFC 4862 §5.4.4: an advertisement for a tentative address means it is in use; for a preferred one,
            // another node claims our address (§5.4.4 leaves the reaction to the implementation: we keep it).
            if (slot.State == Ipv6AddressState.Tentative)
            {
                MarkDuplicated(slot);
            }
            else
            {
                Counters.DroppedSourceOwnAddress++;
                Log.Ipv6AddressClaimed(_logger, target.ToString());
            }
            return;
        }
        EthernetAddress? targetLinkLayer = FindLinkLayerOption(na.Options, NdpOptionType.TargetLinkLayerAddress);
        _ndp.Advertised(now, target, targetLinkLayer, na.Solicited, na.Override, this);
    }

    private static EthernetAddress? FindLinkLayerOption(ReadOnlySpan<byte> options, NdpOptionType type)
    {
        var reader = new NdpOptionReader(options);
        while (reader.TryReadNext(out NdpOption option))
        {
            if (option.Type == type && option.IsWellFormed)
            {
                return option.LinkLayerAddress;
            }
        }
        return null;
    }

    /// <summary>
    /// An advertisement for our <paramref name="target"/> (RFC 4861 §7.2.4): R clear (a host), O set (the address
    /// is not anycast), S as given, with our link-layer address.
    /// </summary>
    private void SendNeighborAdvertisement(Instant now, Ipv6Address target, Ipv6Address destination, bool solicited)
    {
        PacketBuffer frame = RentIpv6(NdpWriter.MaxLength, out Span<byte> message);
        int length = NdpWriter.WriteNeighborAdvertisement(message, target, destination, target, router: false, solicited, @override: true, HardwareAddress);
        Counters.NeighborAdvertisementsSent++;
        SendNdp(now, target, destination, frame, length, destinationMac: null);
    }

    /// <summary>Writes the IPv6 header (hop limit 255, RFC 4861 §7.1) of an NDP message already in place, and sends it.</summary>
    private void SendNdp(Instant now, Ipv6Address source, Ipv6Address destination, PacketBuffer frame, int length, EthernetAddress? destinationMac)
    {
        frame.SetLength(EthernetHeader.Length + Ipv6Header.Length + length);
        var header = new Ipv6Header(source, destination, IpProtocol.IcmpV6, length, Ipv6Header.NeighborDiscoveryHopLimit);
        header.WriteTo(frame.Span[EthernetHeader.Length..]);
        if (destinationMac is { } mac)
        {
            WriteIpv6Ethernet(frame, mac);
            Transmit(now, frame);
            return;
        }
        RouteIpv6(now, destination, frame);
    }

    void INeighborCacheHost.SendNeighborSolicitation(Instant now, Ipv6Address target, EthernetAddress? destination)
    {
        // RFC 4861 §7.2.2: multicast to the target's solicited-node group to resolve; unicast to probe (§7.3.3).
        if (SelectIpv6Source(target) is not { } source)
        {
            return;
        }
        Ipv6Address to = destination is null ? Ipv6Address.SolicitedNode(target) : target;
        PacketBuffer frame = RentIpv6(NdpWriter.MaxLength, out Span<byte> message);
        int length = NdpWriter.WriteNeighborSolicitation(message, source, to, target, HardwareAddress);
        Counters.NeighborSolicitationsSent++;
        SendNdp(now, source, to, frame, length, destination ?? EthernetAddress.FromIpv6Multicast(to));
    }

    void INeighborCacheHost.TransmitParkedIpv6(Instant now, EthernetAddress destination, PacketBuffer frame)
    {
        WriteIpv6Ethernet(frame, destination);
        Transmit(now, frame);
    }

    void INeighborCacheHost.Ipv6NeighborUnreachable(Instant now, PacketBuffer frame)
    {
        Counters.DroppedNeighborUnreachable++;
        using (frame)
        {
            if (Ipv6Packet.TryCreate(frame.Span[EthernetHeader.Length..], out Ipv6Packet ip))
            {
                Log.NeighborUnreachable(_logger, ip.Destination.ToString());
            }
        }
    }

    /// <summary>
    /// Duplicate address detection (RFC 4862 §5.4.2): each tentative address sends DupAddrDetectTransmits
    /// solicitations from :: to its solicited-node group, RetransTimer apart, and becomes preferred RetransTimer
    /// after the last one unless a duplicate was seen. The first is sent at once, without §5.4.2's random delay
    /// of up to MAX_RTR_SOLICITATION_DELAY: one interface starting alone has no neighbours to collide with.
    /// </summary>
    private void RunDuplicateAddressDetection(Instant now)
    {
        foreach (Ipv6Slot slot in _ipv6)
        {
            if (slot.State != Ipv6AddressState.Tentative || (slot.DadTimerAt is { } at && at > now))
            {
                continue;
            }
            if (slot.DadSolicitationsSent >= DupAddrDetectTransmits)
            {
                slot.State = Ipv6AddressState.Preferred;
                Log.Ipv6AddressAssigned(_logger, slot.Cidr.ToString());
                continue;
            }
            Ipv6Address group = Ipv6Address.SolicitedNode(slot.Cidr.Address);
            if (slot.DadSolicitationsSent == 0)
            {
                SendMldReport(now, group);
            }
            PacketBuffer frame = RentIpv6(NdpWriter.MaxLength, out Span<byte> message);
            int length = NdpWriter.WriteNeighborSolicitation(message, Ipv6Address.Unspecified, group, slot.Cidr.Address, sourceLinkLayer: null);
            Counters.NeighborSolicitationsSent++;
            slot.DadSolicitationsSent++;
            slot.DadTimerAt = now + _neighborOptions.RetransTimer;
            SendNdp(now, Ipv6Address.Unspecified, group, frame, length, EthernetAddress.FromIpv6Multicast(group));
        }
    }

    /// <summary>
    /// Announces that we listen to <paramref name="group"/>: one MLDv2 report with a CHANGE_TO_EXCLUDE record and
    /// no sources (RFC 3810 §6.1), from :: while no link-local address is preferred (§5.2.13), before the DAD
    /// solicitation that needs the group (RFC 4862 §5.4.2), so a snooping switch lets the answer through. Sent
    /// once, without §6.1's Robustness Variable retransmissions; queries are not answered yet.
    /// </summary>
    private void SendMldReport(Instant now, Ipv6Address group)
    {
        Ipv6Address source = LinkLocalAddress is { } linkLocal && FindSlot(linkLocal) is { State: Ipv6AddressState.Preferred } ? linkLocal : Ipv6Address.Unspecified;
        PacketBuffer frame = PacketBuffer.Rent(EthernetHeader.Length + MldV2Report.Overhead + MldV2Report.RecordLength);
        int length = MldV2Report.WritePacket(frame.Span[EthernetHeader.Length..], source, new ReadOnlySpan<Ipv6Address>(in group), MldV2RecordType.ChangeToExclude);
        frame.SetLength(EthernetHeader.Length + length);
        Counters.MldReportsSent++;
        RouteIpv6(now, Ipv6Address.AllMldv2Routers, frame);
    }

    /// <summary>When duplicate address detection next has work.</summary>
    private Instant? DadPollAt(Instant now)
    {
        Instant? next = null;
        foreach (Ipv6Slot slot in _ipv6)
        {
            if (slot.State == Ipv6AddressState.Tentative)
            {
                next = Instant.Min(next, slot.DadTimerAt ?? now);
            }
        }
        return next;
    }

    private void MarkDuplicated(Ipv6Slot slot)
    {
        // RFC 4862 §5.4.5: a duplicate tentative address is not assigned; it is never used.
        slot.State = Ipv6AddressState.Duplicated;
        Counters.DuplicateAddressesDetected++;
        Log.DuplicateIpv6Address(_logger, slot.Cidr.Address.ToString());
    }
}
