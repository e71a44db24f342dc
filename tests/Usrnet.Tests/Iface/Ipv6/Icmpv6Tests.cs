using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Tests.Phy;
using Usrnet.Wire;
using static Usrnet.Tests.Iface.Ipv6.Ipv6Peer;

namespace Usrnet.Tests.Iface.Ipv6;

/// <summary>ICMPv6 echo (RFC 4443 §4.2), error generation under §2.4 (e) and its rate limit, and malformed IPv6 counted.</summary>
public sealed class Icmpv6Tests : IDisposable
{
    private readonly Ipv6Peer _link = new(new InterfaceOptions { IcmpErrorBurst = 2, IcmpErrorsPerSecond = 1 });

    public Icmpv6Tests()
    {
        _link.CompleteDad();
        // Make the peer known, so replies need no resolution.
        _link.Exchange(NeighborSolicitation(PeerLinkLocal, StackLinkLocal, StackLinkLocal, PeerMac, StackMac));
    }

    public void Dispose() => _link.Dispose();

    [Fact]
    public void AnEchoRequestIsAnsweredWithItsIdentifierSequenceAndData()
    {
        byte[] reply = Assert.Single(_link.Exchange(EchoRequest(PeerLinkLocal, StackLinkLocal, sequence: 9)));
        Ipv6Header ip = Header(reply);
        Assert.Equal((StackLinkLocal, PeerLinkLocal, IpProtocol.IcmpV6), (ip.Source, ip.Destination, ip.NextHeader));
        Assert.True(IcmpV6Message.TryParse(Payload(reply), ip.Source, ip.Destination, out IcmpV6Message icmp));
        Assert.Equal((IcmpV6Type.EchoReply, (ushort)7, (ushort)9), (icmp.Type, icmp.Identifier, icmp.SequenceNumber));
        Assert.Equal("ping6"u8.ToArray(), Payload(reply)[IcmpV6Message.HeaderLength..].ToArray());
        Assert.Equal(1, _link.Stack.Counters.EchoRepliesSent);
    }

    [Fact]
    public void AnEchoRequestToAllNodesIsAnsweredFromOurLinkLocalAddress()
    {
        byte[] reply = Assert.Single(_link.Exchange(EchoRequest(PeerLinkLocal, Ipv6Address.AllNodes, mac: EthernetAddress.FromIpv6Multicast(Ipv6Address.AllNodes))));
        Assert.Equal(StackLinkLocal, Header(reply).Source);
    }

    [Fact]
    public void AnUnknownNextHeaderDrawsParameterProblemCode1PointingAtTheField()
    {
        byte[] error = Assert.Single(_link.Exchange(Frame(StackMac, PeerLinkLocal, StackLinkLocal, (IpProtocol)253, "data"u8)));
        Ipv6Header ip = Header(error);
        Assert.True(IcmpV6Message.TryParse(Payload(error), ip.Source, ip.Destination, out IcmpV6Message icmp));
        Assert.Equal((IcmpV6Type.ParameterProblem, (byte)IcmpV6ParameterProblemCode.UnrecognizedNextHeader, 6u), (icmp.Type, icmp.Code, icmp.Pointer));
        Assert.Equal(1, _link.Stack.Counters.DroppedUnknownProtocol);
        Assert.Equal(1, _link.Stack.Counters.IcmpErrorsSent);
    }

    [Fact]
    public void AUdpDatagramToAClosedPortDrawsPortUnreachable()
    {
        byte[] udp = [0x12, 0x34, 0x00, 0x07, 0x00, 0x0A, 0, 0, 0x68, 0x69];
        ushort sum = Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(PeerLinkLocal, StackLinkLocal, IpProtocol.Udp, udp.Length), udp));
        (udp[6], udp[7]) = ((byte)(sum >> 8), (byte)sum);
        byte[] error = Assert.Single(_link.Exchange(Frame(StackMac, PeerLinkLocal, StackLinkLocal, IpProtocol.Udp, udp)));
        Assert.Equal((byte)IcmpV6Type.DestinationUnreachable, Payload(error)[0]);
        Assert.Equal((byte)IcmpV6Unreachable.Port, Payload(error)[1]);
    }

    [Fact]
    public void NoErrorAboutAPacketToAMulticastAddress()
    {
        Assert.Empty(_link.Exchange(Frame(EthernetAddress.FromIpv6Multicast(Ipv6Address.AllNodes), PeerLinkLocal, Ipv6Address.AllNodes, (IpProtocol)253, "data"u8)));
        Assert.Equal(1, _link.Stack.Counters.IcmpErrorsSuppressed);
    }

    [Fact]
    public void NoErrorAboutAnIcmpv6Error()
    {
        byte[] unreachable = Icmp(IcmpV6Message.DestinationUnreachable(IcmpV6Unreachable.Port), PeerLinkLocal, StackLinkLocal, new byte[48]);
        byte[] frame = Frame(StackMac, PeerLinkLocal, StackLinkLocal, IpProtocol.IcmpV6, unreachable);
        Assert.True(Ipv6Packet.TryCreate(frame.AsSpan(EthernetHeader.Length), out Ipv6Packet packet));
        Assert.False(IcmpErrorPolicy.MayReplyTo(packet, IpProtocol.IcmpV6, Ipv6Header.Length, false, IcmpV6Message.ParameterProblem(0, 0)));
        Assert.True(IcmpErrorPolicy.MayReplyTo(packet, IpProtocol.Udp, Ipv6Header.Length, false, IcmpV6Message.ParameterProblem(0, 0)));
    }

    [Fact]
    public void MulticastDestinationsMayDrawOnlyPacketTooBigAndUnrecognisedOptionErrors()
    {
        byte[] frame = Frame(StackMac, PeerLinkLocal, Ipv6Address.AllNodes, IpProtocol.Udp, new byte[8]);
        Assert.True(Ipv6Packet.TryCreate(frame.AsSpan(EthernetHeader.Length), out Ipv6Packet packet));
        Assert.True(IcmpErrorPolicy.MayReplyTo(packet, IpProtocol.Udp, Ipv6Header.Length, false, IcmpV6Message.PacketTooBig(1280)));
        Assert.True(IcmpErrorPolicy.MayReplyTo(packet, IpProtocol.Udp, Ipv6Header.Length, false, IcmpV6Message.ParameterProblem(IcmpV6ParameterProblemCode.UnrecognizedOption, 42)));
        Assert.False(IcmpErrorPolicy.MayReplyTo(packet, IpProtocol.Udp, Ipv6Header.Length, false, IcmpV6Message.DestinationUnreachable(IcmpV6Unreachable.Port)));
    }

    [Fact]
    public void NoErrorToASourceThatIsNotOneNode()
    {
        byte[] frame = Frame(StackMac, Ipv6Address.Unspecified, StackLinkLocal, IpProtocol.Udp, new byte[8]);
        Assert.True(Ipv6Packet.TryCreate(frame.AsSpan(EthernetHeader.Length), out Ipv6Packet packet));
        Assert.False(IcmpErrorPolicy.MayReplyTo(packet, IpProtocol.Udp, Ipv6Header.Length, false, IcmpV6Message.DestinationUnreachable(IcmpV6Unreachable.Port)));
    }

    [Fact]
    public void ErrorsAreRateLimitedByTheSharedTokenBucket()
    {
        for (int i = 0; i < 3; i++)
        {
            _link.Exchange(Frame(StackMac, PeerLinkLocal, StackLinkLocal, (IpProtocol)253, "data"u8));
        }
        Assert.Equal((2, 1), (_link.Stack.Counters.IcmpErrorsSent, _link.Stack.Counters.IcmpErrorsRateLimited));
        _link.Now += TimeSpan.FromSeconds(1);
        Assert.Single(_link.Exchange(Frame(StackMac, PeerLinkLocal, StackLinkLocal, (IpProtocol)253, "data"u8)));
    }

    [Fact]
    public void ATruncatedHeaderAndALyingPayloadLengthAreCountedMalformed()
    {
        byte[] frame = EchoRequest(PeerLinkLocal, StackLinkLocal);
        Assert.Empty(_link.Exchange(frame[..(EthernetHeader.Length + 20)]));
        frame[EthernetHeader.Length + 4] = 0xFF;
        Assert.Empty(_link.Exchange(frame));
        Assert.Equal(2, _link.Stack.Counters.DroppedMalformed);
    }

    [Fact]
    public void ATruncatedExtensionHeaderChainIsCountedAndDropped()
    {
        // A destination options header claiming 16 bytes in an 8-byte payload.
        byte[] options = [(byte)IpProtocol.IcmpV6, 1, 1, 4, 0, 0, 0, 0];
        Assert.Empty(_link.Exchange(Frame(StackMac, PeerLinkLocal, StackLinkLocal, (IpProtocol)60, options)));
        Assert.Equal(1, _link.Stack.Counters.DroppedExtensionHeaders);
    }

    [Fact]
    public void AnUnrecognisedOptionWithDiscardAndReportDrawsParameterProblemCode2()
    {
        // Destination options with option type 0x80 (action 10: discard and send Parameter Problem code 2).
        byte[] options = [(byte)IpProtocol.IcmpV6, 0, 0x80, 4, 0, 0, 0, 0];
        byte[] error = Assert.Single(_link.Exchange(Frame(StackMac, PeerLinkLocal, StackLinkLocal, (IpProtocol)60, options)));
        Assert.Equal((byte)IcmpV6Type.ParameterProblem, Payload(error)[0]);
        Assert.Equal((byte)IcmpV6ParameterProblemCode.UnrecognizedOption, Payload(error)[1]);
        Assert.Equal(1, _link.Stack.Counters.DroppedExtensionHeaders);
    }

    [Fact]
    public void WithIpv6OffNothingIsSentAndFramesCountAsUnknownEtherType()
    {
        MemoryLink.CreatePair(out IDevice stackEnd, out IDevice peer);
        using var stack = new Interface(stackEnd, new InterfaceOptions { HardwareAddress = StackMac });
        using (peer)
        {
            Assert.True(peer.Transmit(_link.Now, PacketBuffer.Copy(EchoRequest(PeerLinkLocal, StackLinkLocal))));
            stack.Poll(_link.Now);
            Assert.Empty(TestFrames.DrainBytes(peer, _link.Now));
            Assert.Equal(1, stack.Counters.DroppedUnknownEtherType);
            Assert.Null(stack.LinkLocalAddress);
            Assert.Empty(stack.Ipv6Addresses);
            Assert.Throws<InvalidOperationException>(() => stack.AddIpv6Address(new Ipv6Cidr(StackLinkLocal, 64)));
        }
    }
}
