namespace Usrnet.Iface;

/// <summary>
/// What the interface has seen, sent and dropped. Every frame or packet the stack discards is counted
/// under exactly one <c>Dropped…</c> reason, so malformed input from the network is visible, never thrown.
/// </summary>
/// <remarks>Written by the poll thread; a reader on another thread sees values that may be a little old.</remarks>
public sealed class InterfaceCounters
{
    /// <summary>Made by the interface that counts; users read them.</summary>
    internal InterfaceCounters()
    {
    }

    /// <summary>A copy of every counter as it is now, which the interface's later polls leave as it is.</summary>
    internal InterfaceCounters Snapshot() => (InterfaceCounters)MemberwiseClone();

    /// <summary>Frames taken from the device.</summary>
    public long FramesReceived { get; internal set; }

    /// <summary>Frames handed to the device.</summary>
    public long FramesSent { get; internal set; }

    /// <summary>Bytes of frames taken from the device.</summary>
    public long BytesReceived { get; internal set; }

    /// <summary>Bytes of frames handed to the device.</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Dropped: shorter than its headers say, or a header field that cannot be (bad IHL, lying length, bad ARP sizes).</summary>
    public long DroppedMalformed { get; internal set; }

    /// <summary>Dropped: an IPv4 header, ICMP or UDP checksum was wrong.</summary>
    public long DroppedBadChecksum { get; internal set; }

    /// <summary>Dropped: an EtherType the stack does not speak (IPv6 among them when it is turned off).</summary>
    public long DroppedUnknownEtherType { get; internal set; }

    /// <summary>Dropped: an IPv4 protocol with neither a handler nor a raw socket (answered with protocol unreachable).</summary>
    public long DroppedUnknownProtocol { get; internal set; }

    /// <summary>Dropped: addressed to another MAC or IPv4 address, or to a multicast group.</summary>
    public long DroppedNotForUs { get; internal set; }

    /// <summary>Dropped: from 255.255.255.255 or our subnet's broadcast address (RFC 1122 §3.2.1.3).</summary>
    public long DroppedSourceBroadcast { get; internal set; }

    /// <summary>Dropped: from a multicast address (RFC 1112 §7.2).</summary>
    public long DroppedSourceMulticast { get; internal set; }

    /// <summary>Dropped: from 127/8, which never leaves a host (RFC 1122 §3.2.1.3).</summary>
    public long DroppedSourceLoopback { get; internal set; }

    /// <summary>Dropped: from 240/4, the reserved former class E (RFC 6890 §2.2.2).</summary>
    public long DroppedSourceReserved { get; internal set; }

    /// <summary>Dropped: from 0/8, "this network" (RFC 1122 §3.2.1.3); 0.0.0.0 is let through for DHCP only.</summary>
    public long DroppedSourceThisNetwork { get; internal set; }

    /// <summary>
    /// Dropped: from our own address, received from the link (a forged LAND packet, or an ARP message from
    /// another host claiming our address, RFC 5227 §2.4).
    /// </summary>
    public long DroppedSourceOwnAddress { get; internal set; }

    /// <summary>Dropped: carrying a loose or strict source route option (RFC 7126 §4.3, §4.4).</summary>
    public long DroppedSourceRouted { get; internal set; }

    /// <summary>Dropped: UDP to a port no socket is bound to (answered with port unreachable).</summary>
    public long DroppedNoSocket { get; internal set; }

    /// <summary>Dropped: the receiving socket's queue was full.</summary>
    public long DroppedQueueFull { get; internal set; }

    /// <summary>Dropped on the way out: the neighbour did not answer ARP, or too many packets were waiting for it.</summary>
    public long DroppedNeighborUnreachable { get; internal set; }

    /// <summary>Frames pushed out of a full ARP parking queue by newer ones while their neighbour resolved.</summary>
    public long DroppedNeighborQueueFull { get; internal set; }

    /// <summary>Dropped on the way out: no route (off-link destination and no gateway, or no address).</summary>
    public long DroppedNoRoute { get; internal set; }

    /// <summary>Dropped on the way out: larger than the MTU with DF set.</summary>
    public long DroppedTooBig { get; internal set; }

    /// <summary>Dropped on the way out: the device could not take the frame.</summary>
    public long DroppedTransmitFailed { get; internal set; }

    /// <summary>Dropped: fragments of datagrams that could not be reassembled (overlap, too large, timed out, evicted).</summary>
    public long DroppedFragments { get; internal set; }

    /// <summary>ICMP messages of types the stack does not act on (redirects, timestamps...).</summary>
    public long IcmpIgnored { get; internal set; }

    /// <summary>ARP requests sent (resolution and announcements).</summary>
    public long ArpRequestsSent { get; internal set; }

    /// <summary>ARP replies sent.</summary>
    public long ArpRepliesSent { get; internal set; }

    /// <summary>ICMP echo replies sent.</summary>
    public long EchoRepliesSent { get; internal set; }

    /// <summary>TCP resets sent for segments no connection or listener wanted (RFC 9293 §3.10.7.1).</summary>
    public long TcpResetsSent { get; internal set; }

    /// <summary>
    /// SYNs for a listener dropped unanswered because the poll had answered its budget of new SYNs already
    /// (a SYN flood): established connections and timers keep their share of each poll.
    /// </summary>
    public long SynsOverBudget { get; internal set; }

    /// <summary>Connections reset because they had not finished closing when the linger of <see cref="Interface.CloseAll"/> ended.</summary>
    public long TcpLingerResets { get; internal set; }

    /// <summary>ICMP error messages sent.</summary>
    public long IcmpErrorsSent { get; internal set; }

    /// <summary>ICMP errors not sent because RFC 1122 §3.2.2 forbids them for the offending packet.</summary>
    public long IcmpErrorsSuppressed { get; internal set; }

    /// <summary>ICMP errors not sent because of the rate limit.</summary>
    public long IcmpErrorsRateLimited { get; internal set; }

    /// <summary>Datagrams reassembled from fragments.</summary>
    public long DatagramsReassembled { get; internal set; }

    /// <summary>Fragments sent for datagrams larger than the MTU.</summary>
    public long FragmentsSent { get; internal set; }

    /// <summary>Dropped: an IPv6 extension header chain refused (RFC 8200 §4: truncated, too long, bad options, routing type 0, bad fragment header).</summary>
    public long DroppedExtensionHeaders { get; internal set; }

    /// <summary>Dropped: a neighbor discovery message failing RFC 4861's validation (§6.1, §7.1: hop limit not 255, code not 0, bad length or options).</summary>
    public long DroppedNdpInvalid { get; internal set; }

    /// <summary>Neighbor solicitations sent: address resolution, probes and duplicate address detection.</summary>
    public long NeighborSolicitationsSent { get; internal set; }

    /// <summary>Neighbor advertisements sent in answer to solicitations for our addresses.</summary>
    public long NeighborAdvertisementsSent { get; internal set; }

    /// <summary>MLDv2 reports sent for the solicited-node groups joined (RFC 3810 §6.1).</summary>
    public long MldReportsSent { get; internal set; }

    /// <summary>Tentative IPv6 addresses found in use by another node (RFC 4862 §5.4.5) and never used.</summary>
    public long DuplicateAddressesDetected { get; internal set; }

    /// <summary>Every counter by name, for printing.</summary>
    public IEnumerable<KeyValuePair<string, long>> All()
    {
        yield return new(nameof(FramesReceived), FramesReceived);
        yield return new(nameof(FramesSent), FramesSent);
        yield return new(nameof(BytesReceived), BytesReceived);
        yield return new(nameof(BytesSent), BytesSent);
        yield return new(nameof(DroppedMalformed), DroppedMalformed);
        yield return new(nameof(DroppedBadChecksum), DroppedBadChecksum);
        yield return new(nameof(DroppedUnknownEtherType), DroppedUnknownEtherType);
        yield return new(nameof(DroppedUnknownProtocol), DroppedUnknownProtocol);
        yield return new(nameof(DroppedNotForUs), DroppedNotForUs);
        yield return new(nameof(DroppedSourceBroadcast), DroppedSourceBroadcast);
        yield return new(nameof(DroppedSourceMulticast), DroppedSourceMulticast);
        yield return new(nameof(DroppedSourceLoopback), DroppedSourceLoopback);
        yield return new(nameof(DroppedSourceReserved), DroppedSourceReserved);
        yield return new(nameof(DroppedSourceThisNetwork), DroppedSourceThisNetwork);
        yield return new(nameof(DroppedSourceOwnAddress), DroppedSourceOwnAddress);
        yield return new(nameof(DroppedSourceRouted), DroppedSourceRouted);
        yield return new(nameof(DroppedNoSocket), DroppedNoSocket);
        yield return new(nameof(DroppedQueueFull), DroppedQueueFull);
        yield return new(nameof(DroppedNeighborUnreachable), DroppedNeighborUnreachable);
        yield return new(nameof(DroppedNeighborQueueFull), DroppedNeighborQueueFull);
        yield return new(nameof(DroppedNoRoute), DroppedNoRoute);
        yield return new(nameof(DroppedTooBig), DroppedTooBig);
        yield return new(nameof(DroppedTransmitFailed), DroppedTransmitFailed);
        yield return new(nameof(DroppedFragments), DroppedFragments);
        yield return new(nameof(IcmpIgnored), IcmpIgnored);
        yield return new(nameof(ArpRequestsSent), ArpRequestsSent);
        yield return new(nameof(ArpRepliesSent), ArpRepliesSent);
        yield return new(nameof(EchoRepliesSent), EchoRepliesSent);
        yield return new(nameof(TcpResetsSent), TcpResetsSent);
        yield return new(nameof(TcpLingerResets), TcpLingerResets);
        yield return new(nameof(SynsOverBudget), SynsOverBudget);
        yield return new(nameof(IcmpErrorsSent), IcmpErrorsSent);
        yield return new(nameof(IcmpErrorsSuppressed), IcmpErrorsSuppressed);
        yield return new(nameof(IcmpErrorsRateLimited), IcmpErrorsRateLimited);
        yield return new(nameof(DatagramsReassembled), DatagramsReassembled);
        yield return new(nameof(FragmentsSent), FragmentsSent);
        yield return new(nameof(DroppedExtensionHeaders), DroppedExtensionHeaders);
        yield return new(nameof(DroppedNdpInvalid), DroppedNdpInvalid);
        yield return new(nameof(NeighborSolicitationsSent), NeighborSolicitationsSent);
        yield return new(nameof(NeighborAdvertisementsSent), NeighborAdvertisementsSent);
        yield return new(nameof(DuplicateAddressesDetected), DuplicateAddressesDetected);
        yield return new(nameof(MldReportsSent), MldReportsSent);
    }

    /// <summary>Dropped for a source address no host can have (RFC 1122 §3.2.1.3): the sum of the <c>DroppedSource…</c> address reasons.</summary>
    public long DroppedInvalidSource => DroppedSourceBroadcast + DroppedSourceMulticast + DroppedSourceLoopback + DroppedSourceReserved
        + DroppedSourceThisNetwork + DroppedSourceOwnAddress;

    /// <summary>Sum of every <c>Dropped…</c> counter.</summary>
    public long TotalDropped => DroppedMalformed + DroppedBadChecksum + DroppedUnknownEtherType + DroppedUnknownProtocol
        + DroppedNotForUs + DroppedInvalidSource + DroppedSourceRouted + DroppedNoSocket + DroppedQueueFull + DroppedNeighborUnreachable + DroppedNeighborQueueFull
        + DroppedNoRoute + DroppedTooBig + DroppedTransmitFailed + DroppedFragments + DroppedExtensionHeaders + DroppedNdpInvalid;
}
