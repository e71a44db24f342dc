using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Fuzz.Targets;

/// <summary>
/// IPv6 (RFC 8200), ICMPv6 (RFC 4443) and NDP (RFC 4861): a packet is parsed, its fixed header written
/// again must give the same 40 bytes, and its extension headers are walked; the result must lie inside the
/// packet. An ICMPv6 upper layer is parsed as it came and with its checksum fixed (then it must parse and
/// write back to the same bytes); an error's quoted header is read, NDP messages are validated and their
/// options walked with every accessor, and an error quoting the packet must fit the minimum MTU. A fragment
/// goes through reassembly (RFC 8200 §4.5), which must answer without throwing and rebuild only packets that
/// parse; a packet without a fragment header is cut to the minimum MTU and reassembled, and must come back
/// byte for byte.
/// </summary>
internal sealed class Ipv6Target : FuzzTarget
{
    private readonly byte[] _packet = new byte[MaxInputLength];
    private readonly byte[] _written = new byte[MaxInputLength];
    private readonly byte[] _fragment = new byte[Ipv6Packet.MinimumMtu];
    // Made on the first input, not with the target: instrumented code must not run before the fuzzer
    // has set up its coverage map (the targets are built when the harness starts).
    private Ipv6Reassembler? _reassembler;

    public override string Name => "ipv6";

    public override string Description => "IPv6 packet: header round trip, extension header walk, ICMPv6 checksum-fixed round trip, NDP checks and options, reassembly, fragmentation round trip";

    public override void Run(ReadOnlySpan<byte> input)
    {
        Span<byte> buffer = _packet.AsSpan(0, input.Length);
        input.CopyTo(buffer);
        if (!Ipv6Packet.TryCreate(buffer, out Ipv6Packet packet))
        {
            return;
        }
        Ipv6Header header = Ipv6Header.From(packet);
        Span<byte> written = _written.AsSpan(0, Ipv6Header.Length);
        header.WriteTo(written);
        InvariantViolationException.Check(written.SequenceEqual(buffer[..Ipv6Header.Length]), "written IPv6 header differs from the parsed bytes");
        InvariantViolationException.Check(Ipv6Header.TryParseQuoted(buffer, out Ipv6Header quoted) && quoted == header, "quoted-header reader disagrees");

        Ipv6HeaderChain chain = Ipv6HeaderChain.Walk(packet);
        if (chain.SendParameterProblem)
        {
            InvariantViolationException.Check(chain.ParameterProblemPointer >= 0 && chain.ParameterProblemPointer < packet.Buffer.Length, "parameter problem pointer outside the packet");
        }
        Reassemble(packet, chain);
        if (chain.Error != Ipv6ChainError.None)
        {
            return;
        }
        InvariantViolationException.Check(chain.HeaderCount <= Ipv6HeaderChain.MaxHeaders
            && chain.UpperLayerOffset >= Ipv6Packet.HeaderLength && chain.UpperLayerOffset <= packet.Buffer.Length
            && chain.NextHeaderFieldOffset < chain.UpperLayerOffset, "header chain result outside the packet");
        if (chain.UpperLayer == IpProtocol.IcmpV6 && !chain.IsFragment)
        {
            Icmp(packet, packet.Buffer[chain.UpperLayerOffset..]);
        }
    }

    /// <summary>Feeds the packet to the reassembler, or cuts it up and reassembles it; no state outlives the input.</summary>
    private void Reassemble(in Ipv6Packet packet, in Ipv6HeaderChain chain)
    {
        Instant now = Instant.Zero;
        Ipv6Reassembler reassembler = _reassembler ??= new(new ReassemblyOptions { MaxDatagrams = 2, MaxFragmentsPerDatagram = 64 });
        if (chain.HasFragmentHeader)
        {
            Ipv6Reassembler.Outcome outcome = reassembler.Add(now, packet, chain, out PacketBuffer? datagram, out int evicted, out IcmpV6Message problem);
            InvariantViolationException.Check(evicted >= 0 && (outcome != Ipv6Reassembler.Outcome.ParameterProblem || problem.Type == IcmpV6Type.ParameterProblem), "reassembly result out of range");
            InvariantViolationException.Check(chain.IsAtomicFragment == (outcome == Ipv6Reassembler.Outcome.PassThrough), "an atomic fragment was not passed through");
            using (datagram)
            {
                InvariantViolationException.Check(datagram is null || Ipv6Packet.TryCreate(datagram.Span, out _), "a reassembled packet does not parse");
            }
        }
        else if (chain.Error == Ipv6ChainError.None && packet.NextHeader != (IpProtocol)Ipv6ExtensionHeaderType.HopByHopOptions
            && chain.HeaderCount < Ipv6HeaderChain.MaxHeaders
            && chain.UpperLayerOffset - Ipv6Header.Length + Ipv6FragmentWriter.FragmentHeaderLength <= Ipv6HeaderChain.MaxHeaderBytes)
        {
            // The fragment header joins the chain: the chain's bounds must leave room for it.
            RoundTrip(reassembler, packet);
        }
        reassembler.Expire(Instant.FromSeconds(3600), null);
    }

    /// <summary>Fragments at 1280 bytes after the fixed header (the fragment header goes first), reassembles in reverse.</summary>
    private void RoundTrip(Ipv6Reassembler reassembler, in Ipv6Packet packet)
    {
        var writer = new Ipv6FragmentWriter(packet.Buffer, Ipv6Header.Length, Ipv6Packet.NextHeaderOffset, Ipv6Packet.MinimumMtu, 0x5EED);
        int count = writer.Count;
        PacketBuffer? rebuilt = null;
        for (int i = 0; writer.TryWriteNext(_fragment, out int length); i++)
        {
            Ipv6Packet.TryCreate(_fragment.AsSpan(0, length), out Ipv6Packet fragment);
            Ipv6Reassembler.Outcome outcome = reassembler.Add(Instant.Zero, fragment, Ipv6HeaderChain.Walk(fragment), out PacketBuffer? datagram, out _, out _);
            Ipv6Reassembler.Outcome expected = count == 1 ? Ipv6Reassembler.Outcome.PassThrough
                : i == count - 1 ? Ipv6Reassembler.Outcome.Complete : Ipv6Reassembler.Outcome.Pending;
            InvariantViolationException.Check(outcome == expected || (i == 0 && outcome == Ipv6Reassembler.Outcome.ParameterProblem), "own fragments were not reassembled");
            if (outcome == Ipv6Reassembler.Outcome.ParameterProblem)
            {
                return; // RFC 7112: the first fragment lacks the upper-layer header the packet itself lacks
            }
            rebuilt = datagram;
        }
        using (rebuilt)
        {
            InvariantViolationException.Check(count == 1 || (rebuilt is not null && rebuilt.Span.SequenceEqual(packet.Buffer)), "reassembly of own fragments differs from the packet");
        }
    }

    private void Icmp(in Ipv6Packet packet, Span<byte> message)
    {
        Ipv6Address source = packet.Source, destination = packet.Destination;
        IcmpV6Message.TryParse(message, source, destination, out _);
        if (message.Length < IcmpV6Message.HeaderLength)
        {
            return;
        }
        IcmpV6Message.FillChecksum(message, source, destination);
        InvariantViolationException.Check(IcmpV6Message.TryParse(message, source, destination, out IcmpV6Message header), "a message with a fixed checksum was refused");
        _ = header.Identifier + header.SequenceNumber + header.Mtu + header.Pointer;

        Span<byte> again = _written.AsSpan(0, message.Length);
        message[IcmpV6Message.HeaderLength..].CopyTo(again[IcmpV6Message.HeaderLength..]);
        header.WriteTo(again, source, destination);
        InvariantViolationException.Check(again.SequenceEqual(message), "written ICMPv6 message differs from the parsed bytes");

        if (header.IsError)
        {
            Ipv6Header.TryParseQuoted(message[IcmpV6Message.HeaderLength..], out _);
            // The stack answers errors with none (RFC 4443 §2.4 (e)); here only the writer's bound is checked.
            int length = header.WriteErrorPacket(_written, destination, source, packet.Buffer);
            InvariantViolationException.Check(length <= IcmpV6Message.MaxErrorPacketLength && Ipv6Packet.TryCreate(_written.AsSpan(0, length), out _), "error packet too long or unreadable");
        }
        if (NdpMessage.TryCreate(message, packet.HopLimit, source, destination, out NdpMessage ndp) != NdpError.None)
        {
            return;
        }
        _ = ndp.CurHopLimit + ndp.RouterLifetime + ndp.ReachableTime + ndp.RetransTimer;
        _ = ndp.Managed | ndp.OtherConfiguration | ndp.Router | ndp.Solicited | ndp.Override;
        _ = ndp.TargetAddress.GetHashCode() + ndp.RedirectDestination.GetHashCode();
        var reader = new NdpOptionReader(ndp.Options);
        while (reader.TryReadNext(out NdpOption option))
        {
            InvariantViolationException.Check(option.Length >= 8 && option.Length % 8 == 0, "option length not a positive multiple of 8");
            if (!option.IsWellFormed)
            {
                continue;
            }
            switch (option.Type)
            {
                case NdpOptionType.SourceLinkLayerAddress or NdpOptionType.TargetLinkLayerAddress:
                    _ = option.LinkLayerAddress;
                    break;
                case NdpOptionType.PrefixInformation:
                    InvariantViolationException.Check(option.Prefix.Network == option.Prefix.Address, "prefix has host bits");
                    _ = option.ValidLifetime + option.PreferredLifetime;
                    _ = option.OnLink | option.Autonomous;
                    break;
                case NdpOptionType.Mtu:
                    _ = option.Mtu;
                    break;
                case NdpOptionType.RecursiveDnsServer:
                    _ = option.RdnssLifetime;
                    for (int i = 0; i < option.RdnssAddressCount; i++)
                    {
                        _ = option.RdnssAddress(i);
                    }
                    break;
            }
        }
        InvariantViolationException.Check(!reader.IsMalformed, "a validated message has malformed options");
    }
}
