using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Wire;

public sealed class IcmpV4Tests
{
    private static byte[] Message(string packetHex, int ipOffset = 0)
    {
        byte[] packet = Bytes(packetHex)[ipOffset..];
        Assert.True(Ipv4Packet.TryCreate(packet, out Ipv4Packet view));
        return view.Payload.ToArray();
    }

    /// <summary>Writes <paramref name="header"/> over a copy of <paramref name="expected"/> whose header was wiped.</summary>
    private static byte[] Rewrite(IcmpV4Message header, byte[] expected)
    {
        byte[] message = (byte[])expected.Clone();
        message.AsSpan(0, IcmpV4Message.HeaderLength).Fill(0xA5);
        header.WriteTo(message);
        return message;
    }

    [Fact]
    public void IcmpEchoRequestParsesItsIdentifierAndSequence()
    {
        byte[] message = Message(EchoRequestFrame, EthernetHeader.Length);

        Assert.True(IcmpV4Message.TryParse(message, out IcmpV4Message header));

        Assert.Equal(IcmpV4Type.EchoRequest, header.Type);
        Assert.Equal(0, header.Code);
        Assert.Equal(0x4242, header.Identifier);
        Assert.Equal(7, header.SequenceNumber);
        Assert.False(header.IsError);
        Assert.Equal(IcmpV4Message.EchoRequest(0x4242, 7), header);
        Assert.Equal("usrnet-ping!"u8.ToArray(), message[IcmpV4Message.HeaderLength..]);
    }

    [Fact]
    public void IcmpEchoRequestWritesTheExactBytesOfAKnownMessage()
    {
        byte[] expected = Message(EchoRequestFrame, EthernetHeader.Length);

        Assert.Equal(expected, Rewrite(IcmpV4Message.EchoRequest(0x4242, 7), expected));
    }

    [Fact]
    public void IcmpEchoReplyParsesAndWritesTheExactBytesOfAKnownMessage()
    {
        byte[] expected = Message(EchoReplyPacket);

        Assert.True(IcmpV4Message.TryParse(expected, out IcmpV4Message header));
        Assert.Equal(IcmpV4Message.EchoReply(0x4242, 7), header);
        Assert.Equal(IcmpV4Type.EchoReply, header.Type);
        Assert.False(header.IsError);
        Assert.Equal(expected, Rewrite(IcmpV4Message.EchoReply(0x4242, 7), expected));
    }

    [Fact]
    public void IcmpPortUnreachableParsesAndQuotesTheOffendingDatagram()
    {
        byte[] message = Message(PortUnreachablePacket);

        Assert.True(IcmpV4Message.TryParse(message, out IcmpV4Message header));

        Assert.Equal(IcmpV4Type.DestinationUnreachable, header.Type);
        Assert.Equal((byte)IcmpV4Unreachable.Port, header.Code);
        Assert.Equal(0u, header.RestOfHeader);
        Assert.True(header.IsError);
        Assert.True(Ipv4Header.TryParseQuoted(message.AsSpan(IcmpV4Message.HeaderLength), out Ipv4Header quoted, out int quotedHeaderLength));
        Assert.Equal(Stack, quoted.Source);
        Assert.Equal(FarHost, quoted.Destination);
        Assert.Equal(IpProtocol.Udp, quoted.Protocol);
        Assert.Equal(IcmpV4Message.HeaderLength + quotedHeaderLength + 8, message.Length);
    }

    [Fact]
    public void IcmpPortUnreachableWritesTheExactBytesOfAKnownMessage()
    {
        byte[] expected = Message(PortUnreachablePacket);

        Assert.Equal(expected, Rewrite(IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.Port), expected));
    }

    [Fact]
    public void IcmpFragmentationNeededCarriesTheNextHopMtu()
    {
        byte[] message = Message(FragmentationNeededPacket);

        Assert.True(IcmpV4Message.TryParse(message, out IcmpV4Message header));

        Assert.Equal(IcmpV4Type.DestinationUnreachable, header.Type);
        Assert.Equal((byte)IcmpV4Unreachable.FragmentationNeeded, header.Code);
        Assert.Equal(1400, header.NextHopMtu);
        Assert.True(header.IsError);
        Assert.Equal(IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.FragmentationNeeded, 1400), header);
        Assert.True(Ipv4Header.TryParseQuoted(message.AsSpan(IcmpV4Message.HeaderLength), out Ipv4Header quoted, out _));
        Assert.True(quoted.DontFragment);
    }

    [Fact]
    public void IcmpFragmentationNeededWritesTheExactBytesOfAKnownMessage()
    {
        byte[] expected = Message(FragmentationNeededPacket);

        Assert.Equal(expected, Rewrite(IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.FragmentationNeeded, 1400), expected));
    }

    [Fact]
    public void IcmpTimeExceededParsesAndWritesTheExactBytesOfAKnownMessage()
    {
        byte[] expected = Message(TimeExceededPacket);

        Assert.True(IcmpV4Message.TryParse(expected, out IcmpV4Message header));
        Assert.Equal(IcmpV4Type.TimeExceeded, header.Type);
        Assert.Equal(0, header.Code);
        Assert.True(header.IsError);
        Assert.Equal(IcmpV4Message.TimeExceeded(0), header);
        Assert.Equal(expected, Rewrite(IcmpV4Message.TimeExceeded(0), expected));
    }

    [Fact]
    public void IcmpReassemblyTimeExceededHasCodeOne()
    {
        byte[] message = new byte[IcmpV4Message.HeaderLength + 28];
        IcmpV4Message.TimeExceeded(1).WriteTo(message);

        Assert.True(IcmpV4Message.TryParse(message, out IcmpV4Message header));
        Assert.Equal(IcmpV4Type.TimeExceeded, header.Type);
        Assert.Equal(1, header.Code);
    }

    [Theory]
    [InlineData((byte)IcmpV4Type.EchoReply, false)]
    [InlineData((byte)IcmpV4Type.EchoRequest, false)]
    [InlineData((byte)IcmpV4Type.Redirect, false)]
    [InlineData((byte)IcmpV4Type.DestinationUnreachable, true)]
    [InlineData((byte)IcmpV4Type.TimeExceeded, true)]
    [InlineData((byte)IcmpV4Type.ParameterProblem, true)]
    public void IcmpIsErrorFollowsRfc1122(byte type, bool isError)
    {
        // The type as a byte: the enum is internal and a test method's parameters must be public.
        Assert.Equal(isError, new IcmpV4Message((IcmpV4Type)type, 0, 0).IsError);
    }

    [Fact]
    public void IcmpMessageWithAWrongChecksumIsRejected()
    {
        byte[] message = Message(EchoRequestFrame, EthernetHeader.Length);
        for (int bit = 0; bit < message.Length * 8; bit++)
        {
            message[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(IcmpV4Message.TryParse(message, out _), $"bit {bit}");
            message[bit / 8] ^= (byte)(1 << (bit % 8));
        }
        Assert.True(IcmpV4Message.TryParse(message, out _));
    }

    [Fact]
    public void IcmpMessageRejectsEveryTruncatedBuffer()
    {
        foreach (byte[] message in new[] { Message(EchoRequestFrame, EthernetHeader.Length), Message(PortUnreachablePacket), Message(FragmentationNeededPacket) })
        {
            for (int length = 0; length < message.Length; length++)
            {
                Assert.False(IcmpV4Message.TryParse(message.AsSpan(0, length), out _), $"length {length} of {message.Length}");
            }
        }
    }

    [Fact]
    public void IcmpMessageOfOnlyAHeaderRoundTrips()
    {
        byte[] message = new byte[IcmpV4Message.HeaderLength];
        IcmpV4Message.EchoRequest(1, 2).WriteTo(message);

        Assert.True(IcmpV4Message.TryParse(message, out IcmpV4Message header));
        Assert.Equal(IcmpV4Message.EchoRequest(1, 2), header);
    }

    [Fact]
    public void IcmpWriteToAShortBufferThrowsArgumentException()
    {
        byte[] buffer = new byte[IcmpV4Message.HeaderLength - 1];

        Assert.Throws<ArgumentException>(() => IcmpV4Message.EchoRequest(1, 1).WriteTo(buffer));
    }
}
