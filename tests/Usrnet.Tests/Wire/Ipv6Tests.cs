using System.Buffers.Binary;
using Usrnet.Wire;
using static Usrnet.Tests.Wire.Ipv6Fixtures;

namespace Usrnet.Tests.Wire;

public sealed class Ipv6Tests
{
    [Fact]
    public void Ipv6HeaderParsesTheFieldsOfAKnownPacket()
    {
        Assert.True(Ipv6Header.TryParse(Bytes(EchoRequestPacket), out Ipv6Header header));

        Assert.Equal(StackLinkLocal, header.Source);
        Assert.Equal(PeerLinkLocal, header.Destination);
        Assert.Equal(IpProtocol.IcmpV6, header.NextHeader);
        Assert.Equal(12, header.PayloadLength);
        Assert.Equal(64, header.HopLimit);
        Assert.Equal(0x2e, header.TrafficClass);
        Assert.Equal(0x12345, header.FlowLabel);
    }

    [Fact]
    public void Ipv6HeaderWritesTheExactBytesOfAKnownPacket()
    {
        var header = new Ipv6Header(StackLinkLocal, PeerLinkLocal, IpProtocol.IcmpV6, 12) { TrafficClass = 0x2e, FlowLabel = 0x12345 };
        byte[] written = new byte[Ipv6Header.Length];

        header.WriteTo(written);

        Assert.Equal(Bytes(EchoRequestPacket)[..Ipv6Header.Length], written);
    }

    [Fact]
    public void Ipv6HeaderRoundTripsThroughTheView()
    {
        var header = new Ipv6Header(PeerLinkLocal, Ipv6Address.AllNodes, IpProtocol.Udp, 3, 255) { TrafficClass = 0xff, FlowLabel = 0xFFFFF };
        byte[] packet = new byte[Ipv6Header.Length + 3];
        header.WriteTo(packet);

        Assert.True(Ipv6Packet.TryCreate(packet, out Ipv6Packet view));
        Assert.Equal(header, Ipv6Header.From(view));
        Assert.Equal(3, view.Payload.Length);
        view.HopLimit = 1;
        Assert.Equal(1, packet[7]);
    }

    [Fact]
    public void Ipv6PacketCutsTrailingEthernetPadding()
    {
        byte[] padded = [.. Bytes(EchoRequestPacket), 0, 0, 0, 0];

        Assert.True(Ipv6Packet.TryCreate(padded, out Ipv6Packet packet));

        Assert.Equal(Ipv6Packet.HeaderLength + 12, packet.Buffer.Length);
        Assert.Equal(12, packet.PayloadLength);
    }

    [Fact]
    public void Ipv6PacketRefusesShortBuffersWrongVersionsAndLongPayloadLengths()
    {
        byte[] packet = Bytes(EchoRequestPacket);

        Assert.False(Ipv6Packet.TryCreate(packet.AsSpan(0, Ipv6Packet.HeaderLength - 1), out _));
        Assert.False(Ipv6Packet.TryCreate(packet.AsSpan(0, packet.Length - 1), out _));
        byte[] v4 = (byte[])packet.Clone();
        v4[0] = 0x42;
        Assert.False(Ipv6Packet.TryCreate(v4, out _));
        Assert.False(Ipv6Header.TryParse(v4, out _));
        byte[] zeroPayload = (byte[])packet.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(zeroPayload.AsSpan(4), 0);
        Assert.True(Ipv6Packet.TryCreate(zeroPayload, out Ipv6Packet empty));
        Assert.Equal(0, empty.Payload.Length);
    }

    [Fact]
    public void Ipv6HeaderReadsAQuotedHeaderLongerThanTheQuote()
    {
        byte[] packet = Bytes(EchoRequestPacket);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 1400);

        Assert.True(Ipv6Header.TryParseQuoted(packet, out Ipv6Header quoted));
        Assert.Equal(1400, quoted.PayloadLength);
        Assert.Equal(0x12345, quoted.FlowLabel);
        Assert.Equal(0x2e, quoted.TrafficClass);
        Assert.False(Ipv6Header.TryParseQuoted(packet.AsSpan(0, 39), out _));
        packet[0] = 0x45;
        Assert.False(Ipv6Header.TryParseQuoted(packet, out _));
    }

    [Fact]
    public void Ipv6HeaderWriteRefusesFieldsOutOfRange()
    {
        Assert.Throws<ArgumentException>(() => new Ipv6Header(StackLinkLocal, PeerLinkLocal, IpProtocol.Udp, 0).WriteTo(new byte[39]));
        Assert.Throws<InvalidOperationException>(() => new Ipv6Header(StackLinkLocal, PeerLinkLocal, IpProtocol.Udp, 65536).WriteTo(new byte[40]));
        Assert.Throws<InvalidOperationException>(() => new Ipv6Header(StackLinkLocal, PeerLinkLocal, IpProtocol.Udp, 0) { FlowLabel = 0x100000 }.WriteTo(new byte[40]));
    }

    [Fact]
    public void Ipv6PseudoHeaderChecksumOfAnEchoRequestIsTheHandComputedOne()
    {
        byte[] packet = Bytes(EchoRequestPacket);
        Span<byte> icmp = packet.AsSpan(Ipv6Packet.HeaderLength);

        Assert.Equal(0, Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(StackLinkLocal, PeerLinkLocal, IpProtocol.IcmpV6, icmp.Length), icmp)));
        icmp[2] = 0;
        icmp[3] = 0;
        Assert.Equal(0xa9b8, Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(StackLinkLocal, PeerLinkLocal, IpProtocol.IcmpV6, icmp.Length), icmp)));
    }

    [Fact]
    public void UdpOverIpv6WritesTheHandComputedChecksumAndRefusesZero()
    {
        byte[] datagram = [0x13, 0x88, 0x00, 0x07, 0, 11, 0, 0, (byte)'x', (byte)'y', (byte)'z'];

        new UdpHeader(5000, 7).WriteTo(datagram, StackLinkLocal, PeerLinkLocal);

        Assert.Equal(0xfaca, BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(6)));
        Assert.True(UdpDatagram.TryCreate(datagram, out UdpDatagram view));
        Assert.True(view.VerifyChecksum(StackLinkLocal, PeerLinkLocal));
        Assert.False(view.VerifyChecksum(PeerLinkLocal, Ipv6Address.AllNodes));
        datagram[6] = 0;
        datagram[7] = 0;
        // RFC 8200 §8.1: over IPv6 a zero UDP checksum is not "none" but invalid.
        Assert.False(view.VerifyChecksum(StackLinkLocal, PeerLinkLocal));
    }

    [Fact]
    public void Ipv6PseudoHeaderCarriesA32BitLength()
    {
        // RFC 8200 §8.1: the upper-layer length is 32 bits; its high word is summed too.
        uint small = Checksum.PseudoHeader(Ipv6Address.Unspecified, Ipv6Address.Unspecified, IpProtocol.Tcp, 0x0001_0002);
        Assert.Equal(1u + 2u + 6u, small);
    }

    [Fact]
    public void Ipv6HeaderParseAndWriteAllocateNothing()
    {
        byte[] packet = Bytes(EchoRequestPacket);
        void ParseAndWrite(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header header));
                header.WriteTo(packet);
                Assert.True(Ipv6Packet.TryCreate(packet, out Ipv6Packet view));
                Assert.True(Ipv6HeaderChain.Walk(view).Error == Ipv6ChainError.None);
            }
        }
        ParseAndWrite(100);

        long before = GC.GetAllocatedBytesForCurrentThread();
        ParseAndWrite(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
