using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Wire;

public sealed class ArpTests
{
    private static readonly ArpHeader s_request = new(ArpOperation.Request, StackMac, Stack, EthernetAddress.Zero, Gateway);
    private static readonly ArpHeader s_reply = new(ArpOperation.Reply, GatewayMac, Gateway, StackMac, Stack);

    [Fact]
    public void ArpHeaderParsesAKnownRequest()
    {
        byte[] frame = Bytes(ArpRequestFrame);

        Assert.True(ArpHeader.TryParse(frame.AsSpan(EthernetHeader.Length), out ArpHeader header));

        Assert.Equal(s_request, header);
    }

    [Fact]
    public void ArpHeaderParsesAKnownReply()
    {
        byte[] frame = Bytes(ArpReplyFrame);

        Assert.True(ArpHeader.TryParse(frame.AsSpan(EthernetHeader.Length), out ArpHeader header));

        Assert.Equal(s_reply, header);
    }

    [Fact]
    public void ArpHeaderWritesTheExactBytesOfAKnownRequest()
    {
        byte[] written = new byte[ArpHeader.Length];

        s_request.WriteTo(written);

        Assert.Equal(Bytes(ArpRequestFrame)[EthernetHeader.Length..], written);
    }

    [Fact]
    public void ArpHeaderWritesTheExactBytesOfAKnownReply()
    {
        byte[] written = new byte[ArpHeader.Length];

        s_reply.WriteTo(written);

        Assert.Equal(Bytes(ArpReplyFrame)[EthernetHeader.Length..], written);
    }

    [Fact]
    public void ArpPacketViewReadsEveryFieldOfAKnownReply()
    {
        byte[] arp = Bytes(ArpReplyFrame)[EthernetHeader.Length..];
        Assert.True(ArpPacket.TryCreate(arp, out ArpPacket packet));

        Assert.Equal(ArpPacket.HardwareTypeEthernet, packet.HardwareType);
        Assert.Equal(EtherType.Ipv4, packet.ProtocolType);
        Assert.Equal(EthernetAddress.Length, packet.HardwareLength);
        Assert.Equal(Ipv4Address.Length, packet.ProtocolLength);
        Assert.Equal(ArpOperation.Reply, packet.Operation);
        Assert.Equal(GatewayMac, packet.SenderHardwareAddress);
        Assert.Equal(Gateway, packet.SenderProtocolAddress);
        Assert.Equal(StackMac, packet.TargetHardwareAddress);
        Assert.Equal(Stack, packet.TargetProtocolAddress);
    }

    [Fact]
    public void ArpHeaderAcceptsTrailingEthernetPadding()
    {
        byte[] padded = [.. Bytes(ArpRequestFrame)[EthernetHeader.Length..], .. new byte[18]];

        Assert.True(ArpHeader.TryParse(padded, out ArpHeader header));
        Assert.Equal(s_request, header);
    }

    [Fact]
    public void ArpHeaderRejectsEveryTruncatedBuffer()
    {
        byte[] arp = Bytes(ArpRequestFrame)[EthernetHeader.Length..];
        for (int length = 0; length < ArpHeader.Length; length++)
        {
            Assert.False(ArpHeader.TryParse(arp.AsSpan(0, length), out _), $"length {length}");
            Assert.False(ArpPacket.TryCreate(arp.AsSpan(0, length), out _), $"length {length}");
        }
    }

    [Theory]
    [InlineData(0, 0x00, 0x06)] // htype 6 (IEEE 802), not Ethernet
    [InlineData(0, 0x01, 0x01)] // htype 0x0101
    [InlineData(2, 0x86, 0xDD)] // ptype IPv6
    [InlineData(2, 0x08, 0x06)] // ptype ARP
    [InlineData(4, 0x08, 0x04)] // hlen 8
    [InlineData(4, 0x06, 0x10)] // plen 16
    [InlineData(4, 0x00, 0x00)] // hlen 0, plen 0
    [InlineData(6, 0x00, 0x00)] // opcode 0
    [InlineData(6, 0x00, 0x03)] // opcode 3 (RARP request)
    [InlineData(6, 0x01, 0x01)] // opcode 0x0101
    [InlineData(6, 0xFF, 0xFF)] // opcode 0xFFFF
    public void ArpHeaderRejectsAPacketThatIsNotAnEthernetIpv4RequestOrReply(int offset, byte first, byte second)
    {
        byte[] arp = Bytes(ArpRequestFrame)[EthernetHeader.Length..];
        arp[offset] = first;
        arp[offset + 1] = second;

        Assert.False(ArpHeader.TryParse(arp, out ArpHeader header));
        Assert.Equal(default, header);
        // The view itself still opens: it only checks the length.
        Assert.True(ArpPacket.TryCreate(arp, out _));
    }

    [Fact]
    public void ArpHeaderWriteToAShortBufferThrowsArgumentException()
    {
        byte[] buffer = new byte[ArpHeader.Length - 1];

        Assert.Throws<ArgumentException>(() => s_request.WriteTo(buffer));
    }
}
