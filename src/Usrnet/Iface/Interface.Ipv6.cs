using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    private readonly NeighborCache _ndp;
    private readonly Ipv6Reassembler _reassembler6;
    private readonly List<Ipv6Slot> _ipv6 = [];

    /// <summary>Whether the interface speaks IPv6; when off, IPv6 frames count as an unknown EtherType.</summary>
    public bool Ipv6Enabled { get; }

    /// <summary>
    /// The link-local address formed from the MAC (modified EUI-64, RFC 4291 Appendix A), or null with IPv6 off.
    /// Used once duplicate address detection has passed (see <see cref="Ipv6Addresses"/>).
    /// </summary>
    /// <remarks>
    /// EUI-64 rather than stable privacy (RFC 7217): the address is predictable from the MAC, which is what a
    /// lab and `ping -6 fe80::…%tap0` want; it is link-local, so it reveals the MAC only to the link, which sees
    /// it already. Global addresses, where RFC 7217's privacy matters, are not formed from it.
    /// </remarks>
    public Ipv6Address? LinkLocalAddress { get; }

    /// <summary>The IPv6 neighbour table (RFC 4861 §7.3).</summary>
    public NeighborCache NeighborCache => _ndp;

    /// <summary>Every IPv6 address of the interface and its duplicate address detection state, as it is now.</summary>
    public IReadOnlyList<Ipv6InterfaceAddress> Ipv6Addresses => _ipv6.Select(s => new Ipv6InterfaceAddress(s.Cidr, s.State)).ToList();

    /// <summary>
    /// Adds a static IPv6 address. It is tentative until duplicate address detection passes (RFC 4862 §5.4),
    /// which starts at the next <see cref="Poll"/>; adding an address already held does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">IPv6 is turned off.</exception>
    /// <exception cref="ArgumentException">The address cannot be a unicast interface address.</exception>
    public void AddIpv6Address(Ipv6Cidr cidr)
    {
        if (!Ipv6Enabled)
        {
            throw new InvalidOperationException("IPv6 is turned off on this interface");
        }
        Ipv6Address a = cidr.Address;
        if (a.IsUnspecified || a.IsMulticast || a.IsLoopback || a.IsIpv4Mapped || cidr.PrefixLength is < 1 or > Ipv6Cidr.MaxPrefixLength)
        {
            throw new ArgumentException($"{cidr} cannot be an interface address", nameof(cidr));
        }
        if (FindSlot(a) is null)
        {
            _ipv6.Add(new Ipv6Slot(cidr));
        }
    }

    private void ProcessIpv6(Instant now, Span<byte> buffer, bool linkMulticast)
    {
        if (!Ipv6Packet.TryCreate(buffer, out Ipv6Packet ip))
        {
            Counters.DroppedMalformed++;
            return;
        }
        if (!AcceptIpv6Source(ip.Source) || !IsIpv6DestinationForUs(ip.Destination))
        {
            return;
        }
        Ipv6HeaderChain chain = Ipv6HeaderChain.Walk(ip);
        if (chain.Error == Ipv6ChainError.None && chain.IsFragment)
        {
            ReassembleIpv6(now, ip, chain, linkMulticast);
            return;
        }
        if (chain.Error != Ipv6ChainError.None)
        {
            Counters.DroppedExtensionHeaders++;
            if (chain.SendParameterProblem)
            {
                SendIcmpV6Error(now, ip, upper: null, upperOffset: 0, linkMulticast,
                    IcmpV6Message.ParameterProblem(chain.ParameterProblemCode, (uint)chain.ParameterProblemPointer));
            }
            return;
        }
        Span<byte> upper = ip.Buffer[chain.UpperLayerOffset..];
        switch (chain.UpperLayer)
        {
            case IpProtocol.IcmpV6:
                ProcessIcmpV6(now, ip, upper, linkMulticast);
                break;
            case IpProtocol.Udp:
                ProcessUdpV6(now, ip, upper, chain.UpperLayerOffset, linkMulticast);
                break;
            case IpProtocol.Tcp:
                Counters.DroppedNoSocket++; // no TCP socket is bound over IPv6 yet
                break;
            case NoNextHeader:
                break; // RFC 8200 §4.7: nothing follows; not an error
            default:
                // RFC 8200 §4: an unrecognised Next Header draws a parameter problem, code 1, pointing at the field.
                Counters.DroppedUnknownProtocol++;
                SendIcmpV6Error(now, ip, chain.UpperLayer, chain.UpperLayerOffset, linkMulticast,
                    IcmpV6Message.ParameterProblem(IcmpV6ParameterProblemCode.UnrecognizedNextHeader, (uint)chain.NextHeaderFieldOffset));
                break;
        }
    }

    /// <summary>
    /// No UDP socket is bound over IPv6 yet: a datagram with a valid checksum (mandatory in IPv6, RFC 8200 §8.1)
    /// draws port unreachable (RFC 4443 §3.1 code 4), as a host without a listener answers.
    /// </summary>
    private void ProcessUdpV6(Instant now, in Ipv6Packet ip, ReadOnlySpan<byte> datagram, int offset, bool linkMulticast)
    {
        if (datagram.Length < UdpHeader.Length)
        {
            Counters.DroppedMalformed++;
            return;
        }
        if (Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(ip.Source, ip.Destination, IpProtocol.Udp, datagram.Length), datagram)) != 0)
        {
            Counters.DroppedBadChecksum++;
            return;
        }
        Counters.DroppedNoSocket++;
        SendIcmpV6Error(now, ip, IpProtocol.Udp, offset, linkMulticast, IcmpV6Message.DestinationUnreachable(IcmpV6Unreachable.Port));
    }

    /// <summary>
    /// Reassembles a fragment (RFC 8200 §4.5) and, once the packet is whole, processes it as if it had arrived
    /// so. A reassembly timeout drops the partial packet without Time Exceeded for now.
    /// </summary>
    private void ReassembleIpv6(Instant now, in Ipv6Packet ip, in Ipv6HeaderChain chain, bool linkMulticast)
    {
        Ipv6Reassembler.Outcome outcome = _reassembler6.Add(now, ip, chain, out PacketBuffer? datagram, out int evicted, out IcmpV6Message problem);
        Counters.DroppedFragments += evicted;
        switch (outcome)
        {
            case Ipv6Reassembler.Outcome.Dropped:
                Counters.DroppedFragments++;
                break;
            case Ipv6Reassembler.Outcome.ParameterProblem:
                Counters.DroppedFragments++;
                SendIcmpV6Error(now, ip, upper: null, upperOffset: 0, linkMulticast, problem);
                break;
            case Ipv6Reassembler.Outcome.Complete when datagram is not null:
                using (datagram)
                {
                    Counters.DatagramsReassembled++;
                    ProcessIpv6(now, datagram.Span, linkMulticast);
                }
                break;
        }
    }

    /// <summary>RFC 8200 §4.7: Next Header 59, nothing follows the header.</summary>
    private const IpProtocol NoNextHeader = (IpProtocol)59;

    /// <summary>A source no node can have (RFC 4291 §2.7: never multicast; §2.5.3: loopback never leaves a node).</summary>
    private bool AcceptIpv6Source(Ipv6Address source)
    {
        if (source.IsMulticast)
        {
            Counters.DroppedSourceMulticast++;
            return false;
        }
        if (source.IsLoopback)
        {
            Counters.DroppedSourceLoopback++;
            return false;
        }
        return true;
    }

    /// <summary>
    /// Ours: a preferred unicast address, all-nodes, or the solicited-node group of an address that is not
    /// duplicated (RFC 4861 §7.2.1, RFC 4862 §5.4.2: joined while tentative). A tentative address takes no
    /// unicast traffic (RFC 4862 §5.4).
    /// </summary>
    private bool IsIpv6DestinationForUs(Ipv6Address destination)
    {
        bool ours = destination.IsMulticast ? IsJoinedGroup(destination) : FindSlot(destination) is { State: Ipv6AddressState.Preferred };
        if (!ours)
        {
            Counters.DroppedNotForUs++;
        }
        return ours;
    }

    private bool IsJoinedGroup(Ipv6Address group)
    {
        if (group == Ipv6Address.AllNodes)
        {
            return true;
        }
        foreach (Ipv6Slot slot in _ipv6)
        {
            if (slot.State != Ipv6AddressState.Duplicated && Ipv6Address.SolicitedNode(slot.Cidr.Address) == group)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>An Ethernet multicast destination (RFC 2464 §7: 33:33 and the group's low 32 bits) of a joined group.</summary>
    private bool IsJoinedMulticastMac(EthernetAddress destination)
    {
        if (!Ipv6Enabled)
        {
            return false;
        }
        if (destination == EthernetAddress.FromIpv6Multicast(Ipv6Address.AllNodes))
        {
            return true;
        }
        foreach (Ipv6Slot slot in _ipv6)
        {
            if (slot.State != Ipv6AddressState.Duplicated && destination == EthernetAddress.FromIpv6Multicast(Ipv6Address.SolicitedNode(slot.Cidr.Address)))
            {
                return true;
            }
        }
        return false;
    }

    private Ipv6Slot? FindSlot(Ipv6Address address)
    {
        foreach (Ipv6Slot slot in _ipv6)
        {
            if (slot.Cidr.Address == address)
            {
                return slot;
            }
        }
        return null;
    }

    /// <summary>
    /// A preferred source for <paramref name="destination"/> (RFC 6724 §5 in short: same scope, then the
    /// longest matching prefix): link-local for link-local and link-scope destinations. Null when none is usable.
    /// </summary>
    private Ipv6Address? SelectIpv6Source(Ipv6Address destination)
    {
        bool linkScope = destination.IsLinkLocal || (destination.IsMulticast && destination.MulticastScope <= 2);
        Ipv6Address? fallback = null;
        foreach (Ipv6Slot slot in _ipv6)
        {
            if (slot.State != Ipv6AddressState.Preferred)
            {
                continue;
            }
            Ipv6Address a = slot.Cidr.Address;
            if (a.IsLinkLocal == linkScope && (linkScope || slot.Cidr.Contains(destination)))
            {
                return a;
            }
            fallback ??= a;
        }
        return fallback;
    }

    /// <summary>On-link (RFC 4861 §5.2): link-local, or inside the prefix of one of our preferred addresses.</summary>
    private bool IsOnLink(Ipv6Address destination)
    {
        if (destination.IsLinkLocal)
        {
            return true;
        }
        foreach (Ipv6Slot slot in _ipv6)
        {
            if (slot.State == Ipv6AddressState.Preferred && slot.Cidr.PrefixLength < Ipv6Cidr.MaxPrefixLength && slot.Cidr.Contains(destination))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Rents a frame with room for Ethernet and IPv6 headers before <paramref name="payloadLength"/> bytes of payload.</summary>
    private static PacketBuffer RentIpv6(int payloadLength, out Span<byte> payload)
    {
        PacketBuffer frame = PacketBuffer.Rent(EthernetHeader.Length + Ipv6Header.Length + payloadLength);
        payload = frame.Span.Slice(EthernetHeader.Length + Ipv6Header.Length, payloadLength);
        return frame;
    }

    /// <summary>Writes <paramref name="header"/> in front of the payload already in <paramref name="frame"/> and routes it. Takes ownership.</summary>
    private void SendIpv6(Instant now, Ipv6Header header, PacketBuffer frame)
    {
        header.WriteTo(frame.Span[EthernetHeader.Length..]);
        RouteIpv6(now, header.Destination, frame);
    }

    /// <summary>
    /// Sends a frame holding a complete IPv6 packet: multicast straight to its Ethernet group (RFC 2464 §7),
    /// on-link unicast through the neighbour cache. No default router is known yet, so anything else has no route.
    /// </summary>
    private void RouteIpv6(Instant now, Ipv6Address destination, PacketBuffer frame)
    {
        if (destination.IsMulticast)
        {
            WriteIpv6Ethernet(frame, EthernetAddress.FromIpv6Multicast(destination));
            Transmit(now, frame);
            return;
        }
        if (!IsOnLink(destination))
        {
            Counters.DroppedNoRoute++;
            frame.Dispose();
            return;
        }
        _ndp.Send(now, destination, frame, this);
    }

    private void WriteIpv6Ethernet(PacketBuffer frame, EthernetAddress destination) =>
        new EthernetHeader(destination, HardwareAddress, EtherType.Ipv6).WriteTo(frame.Span);

    /// <summary>An IPv6 address of the interface and where its duplicate address detection stands.</summary>
    private sealed class Ipv6Slot(Ipv6Cidr cidr)
    {
        public Ipv6Cidr Cidr { get; } = cidr;

        public Ipv6AddressState State { get; set; } = Ipv6AddressState.Tentative;

        /// <summary>DAD solicitations sent so far (RFC 4862 §5.1 DupAddrDetectTransmits bounds them).</summary>
        public int DadSolicitationsSent { get; set; }

        /// <summary>When the next DAD solicitation is due, or when DAD ends; null: at the next poll.</summary>
        public Instant? DadTimerAt { get; set; }
    }
}
