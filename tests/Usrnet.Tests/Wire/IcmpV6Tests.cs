using System.Buffers.Binary;
using Usrnet.Wire;
using static Usrnet.Tests.Wire.Ipv6Fixtures;

namespace Usrnet.Tests.Wire;

public sealed class IcmpV6Tests
{
    private static byte[] EchoMessage() => Bytes(EchoRequestPacket)[Ipv6Packet.HeaderLength..];

    [Fact]
    public void IcmpV6MessageParsesAKnownEchoRequest()
    {
        Assert.True(IcmpV6Message.TryParse(EchoMessage(), StackLinkLocal, PeerLinkLocal, out IcmpV6Message message));

        Assert.Equal(IcmpV6Type.EchoRequest, message.Type);
        Assert.Equal(0, message.Code);
        Assert.Equal(0x1234, message.Identifier);
        Assert.Equal(1, message.SequenceNumber);
        Assert.False(message.IsError);
    }

    [Fact]
    public void IcmpV6MessageWritesTheExactBytesOfAKnownEchoRequest()
    {
        byte[] written = new byte[12];
        "abcd"u8.CopyTo(written.AsSpan(IcmpV6Message.HeaderLength));

        IcmpV6Message.EchoRequest(0x1234, 1).WriteTo(written, StackLinkLocal, PeerLinkLocal);

        Assert.Equal(EchoMessage(), written);
    }

    [Fact]
    public void IcmpV6MessageRefusesAWrongChecksumWrongAddressesAndShortMessages()
    {
        byte[] message = EchoMessage();

        Assert.False(IcmpV6Message.TryParse(message, PeerLinkLocal, PeerLinkLocal, out _));
        Assert.False(IcmpV6Message.TryParse(message.AsSpan(0, 7), StackLinkLocal, PeerLinkLocal, out _));
        message[^1] ^= 1;
        Assert.False(IcmpV6Message.TryParse(message, StackLinkLocal, PeerLinkLocal, out _));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    [InlineData(127, true)]
    [InlineData(129, false)]
    [InlineData(135, false)]
    public void IcmpV6MessageErrorsAreTypesBelow128(byte type, bool error)
    {
        Assert.Equal(error, new IcmpV6Message((IcmpV6Type)type, 0, 0).IsError);
    }

    [Fact]
    public void IcmpV6ErrorFactoriesCarryTheirFields()
    {
        Assert.Equal(1280u, IcmpV6Message.PacketTooBig(1280).Mtu);
        Assert.Equal(42u, IcmpV6Message.ParameterProblem(IcmpV6ParameterProblemCode.ErroneousHeaderField, 42).Pointer);
        Assert.Equal((byte)IcmpV6Unreachable.Port, IcmpV6Message.DestinationUnreachable(IcmpV6Unreachable.Port).Code);
        Assert.Equal(IcmpV6Message.ReassemblyTimeExceeded, IcmpV6Message.TimeExceeded(IcmpV6Message.ReassemblyTimeExceeded).Code);
        IcmpV6Message reply = IcmpV6Message.EchoReply(7, 9);
        Assert.Equal((IcmpV6Type.EchoReply, (ushort)7, (ushort)9), (reply.Type, reply.Identifier, reply.SequenceNumber));
    }

    [Fact]
    public void IcmpV6ErrorPacketQuotesAShortPacketWhole()
    {
        byte[] invoking = Bytes(EchoRequestPacket);
        byte[] packet = new byte[IcmpV6Message.MaxErrorPacketLength];

        int length = IcmpV6Message.DestinationUnreachable(IcmpV6Unreachable.Port).WriteErrorPacket(packet, PeerLinkLocal, StackLinkLocal, invoking);

        Assert.Equal(40 + 8 + invoking.Length, length);
        Assert.True(Ipv6Header.TryParse(packet.AsSpan(0, length), out Ipv6Header header));
        Assert.Equal((PeerLinkLocal, StackLinkLocal, IpProtocol.IcmpV6, 8 + invoking.Length), (header.Source, header.Destination, header.NextHeader, header.PayloadLength));
        Span<byte> message = packet.AsSpan(40, length - 40);
        Assert.True(IcmpV6Message.TryParse(message, PeerLinkLocal, StackLinkLocal, out IcmpV6Message parsed));
        Assert.Equal(IcmpV6Type.DestinationUnreachable, parsed.Type);
        Assert.Equal(invoking, message[8..].ToArray());
        Assert.True(Ipv6Header.TryParseQuoted(message[8..], out Ipv6Header quoted));
        Assert.Equal(StackLinkLocal, quoted.Source);
    }

    [Fact]
    public void IcmpV6ErrorPacketCutsTheQuoteAtTheMinimumMtu()
    {
        // RFC 4443 §2.4 (c): as much of the invoking packet as fits without exceeding 1280 bytes.
        byte[] invoking = Ipv6Fixtures.Packet(17, new byte[1460]);
        byte[] packet = new byte[2000];

        int length = IcmpV6Message.PacketTooBig(1280).WriteErrorPacket(packet, PeerLinkLocal, StackLinkLocal, invoking);

        Assert.Equal(1280, length);
        Assert.Equal(1240, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)));
        Assert.Equal(invoking.AsSpan(0, 1280 - 48).ToArray(), packet.AsSpan(48, 1280 - 48).ToArray());
        Assert.True(IcmpV6Message.TryParse(packet.AsSpan(40, 1240), PeerLinkLocal, StackLinkLocal, out IcmpV6Message parsed));
        Assert.Equal(1280u, parsed.Mtu);
    }

    [Fact]
    public void IcmpV6ErrorPacketRefusesNonErrorsAndShortBuffers()
    {
        byte[] invoking = Bytes(EchoRequestPacket);

        Assert.Throws<InvalidOperationException>(() => IcmpV6Message.EchoReply(1, 1).WriteErrorPacket(new byte[1280], PeerLinkLocal, StackLinkLocal, invoking));
        Assert.Throws<ArgumentException>(() => IcmpV6Message.PacketTooBig(1280).WriteErrorPacket(new byte[48 + invoking.Length - 1], PeerLinkLocal, StackLinkLocal, invoking));
        Assert.Throws<ArgumentException>(() => IcmpV6Message.EchoReply(1, 1).WriteTo(new byte[7], PeerLinkLocal, StackLinkLocal));
    }

    [Fact]
    public void IcmpV6ParseAndWriteAllocateNothing()
    {
        byte[] message = EchoMessage();
        byte[] packet = new byte[IcmpV6Message.MaxErrorPacketLength];
        byte[] invoking = Bytes(EchoRequestPacket);
        void ParseAndWrite(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(IcmpV6Message.TryParse(message, StackLinkLocal, PeerLinkLocal, out IcmpV6Message header));
                header.WriteTo(message, StackLinkLocal, PeerLinkLocal);
                IcmpV6Message.TimeExceeded(IcmpV6Message.HopLimitExceeded).WriteErrorPacket(packet, PeerLinkLocal, StackLinkLocal, invoking);
            }
        }
        ParseAndWrite(100);

        long before = GC.GetAllocatedBytesForCurrentThread();
        ParseAndWrite(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
