using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Wire;

public sealed class EthernetTests
{
    [Fact]
    public void EthernetHeaderParsesTheFieldsOfAKnownFrame()
    {
        Assert.True(EthernetHeader.TryParse(Bytes(ArpRequestFrame), out EthernetHeader header));

        Assert.Equal(EthernetAddress.Broadcast, header.Destination);
        Assert.Equal(StackMac, header.Source);
        Assert.Equal(EtherType.Arp, header.EtherType);
    }

    [Fact]
    public void EthernetHeaderWritesTheExactBytesOfAKnownFrame()
    {
        byte[] expected = Bytes(EchoRequestFrame);
        byte[] written = new byte[EthernetHeader.Length];

        new EthernetHeader(StackMac, GatewayMac, EtherType.Ipv4).WriteTo(written);

        Assert.Equal(expected[..EthernetHeader.Length], written);
    }

    [Fact]
    public void EthernetFrameViewReadsTheSameFieldsAndKeepsThePaddingInThePayload()
    {
        byte[] frame = [.. Bytes(ArpReplyFrame), .. new byte[18]]; // padded to the 60-byte minimum
        Assert.True(EthernetFrame.TryCreate(frame, out EthernetFrame view));

        Assert.Equal(StackMac, view.Destination);
        Assert.Equal(GatewayMac, view.Source);
        Assert.Equal(EtherType.Arp, view.EtherType);
        Assert.Equal(EthernetFrame.MinimumLength - EthernetFrame.HeaderLength, view.Payload.Length);
        Assert.Equal(EthernetFrame.MinimumLength, view.Buffer.Length);
    }

    [Fact]
    public void EthernetFrameSettersWriteInPlace()
    {
        byte[] frame = new byte[EthernetFrame.HeaderLength + 2];
        Assert.True(EthernetFrame.TryCreate(frame, out EthernetFrame view));

        view.Destination = EthernetAddress.Broadcast;
        view.Source = StackMac;
        view.EtherType = EtherType.Arp;

        Assert.Equal(Bytes(ArpRequestFrame)[..EthernetFrame.HeaderLength], frame[..EthernetFrame.HeaderLength]);
    }

    [Fact]
    public void EthernetHeaderRejectsEveryTruncatedBuffer()
    {
        byte[] frame = Bytes(ArpRequestFrame);
        for (int length = 0; length < EthernetHeader.Length; length++)
        {
            Assert.False(EthernetHeader.TryParse(frame.AsSpan(0, length), out _), $"length {length}");
            Assert.False(EthernetFrame.TryCreate(frame.AsSpan(0, length), out _), $"length {length}");
        }
        Assert.True(EthernetHeader.TryParse(frame.AsSpan(0, EthernetHeader.Length), out _));
        Assert.True(EthernetFrame.TryCreate(frame.AsSpan(0, EthernetHeader.Length), out EthernetFrame empty));
        Assert.Equal(0, empty.Payload.Length);
    }

    [Fact]
    public void EthernetHeaderWriteToAShortBufferThrowsArgumentException()
    {
        byte[] buffer = new byte[EthernetHeader.Length - 1];

        Assert.Throws<ArgumentException>(() => new EthernetHeader(StackMac, GatewayMac, EtherType.Ipv4).WriteTo(buffer));
    }
}
