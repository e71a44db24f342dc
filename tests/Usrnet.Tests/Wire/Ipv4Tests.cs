using System.Buffers.Binary;
using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Wire;

public sealed class Ipv4Tests
{
    private static byte[] EchoRequestPacket() => Bytes(EchoRequestFrame)[EthernetHeader.Length..];

    [Fact]
    public void Ipv4HeaderParsesTheFieldsOfAKnownPacket()
    {
        Assert.True(Ipv4Header.TryParse(EchoRequestPacket(), out Ipv4Header header, out int headerLength));

        Assert.Equal(20, headerLength);
        Assert.Equal(Gateway, header.Source);
        Assert.Equal(Stack, header.Destination);
        Assert.Equal(IpProtocol.Icmp, header.Protocol);
        Assert.Equal(20, header.PayloadLength);
        Assert.Equal(64, header.TimeToLive);
        Assert.Equal(0x1234, header.Identification);
        Assert.True(header.DontFragment);
        Assert.False(header.MoreFragments);
        Assert.Equal(0, header.FragmentOffset);
        Assert.Equal(0, header.TypeOfService);
    }

    [Fact]
    public void Ipv4HeaderWritesTheExactBytesOfAKnownPacket()
    {
        var header = new Ipv4Header(Gateway, Stack, IpProtocol.Icmp, 20) { Identification = 0x1234, DontFragment = true };
        byte[] written = new byte[Ipv4Header.Length];

        header.WriteTo(written);

        Assert.Equal(EchoRequestPacket()[..Ipv4Header.Length], written);
    }

    [Fact]
    public void Ipv4HeaderWritesTheExactBytesOfAPacketWithTypeOfService()
    {
        byte[] packet = Bytes(TimeExceededPacket);
        var header = new Ipv4Header(Gateway, Stack, IpProtocol.Icmp, 36) { Identification = 0x0779, TypeOfService = 0xC0 };
        byte[] written = new byte[Ipv4Header.Length];

        header.WriteTo(written);

        Assert.Equal(packet[..Ipv4Header.Length], written);
    }

    [Fact]
    public void Ipv4HeaderRoundTripsThroughParseAndWrite()
    {
        foreach (byte[] packet in new[] { EchoRequestPacket(), Bytes(EchoReplyPacket), Bytes(UdpPacket), Bytes(PortUnreachablePacket), Bytes(TimeExceededPacket) })
        {
            Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header header, out _));
            byte[] written = new byte[Ipv4Header.Length];
            header.WriteTo(written);
            Assert.Equal(packet[..Ipv4Header.Length], written);
        }
    }

    [Fact]
    public void Ipv4HeaderSkipsARouterAlertOptionAndThePayloadStartsAfterIhlTimesFour()
    {
        byte[] packet = Bytes(Ipv4WithRouterAlertPacket);

        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header header, out int headerLength));
        Assert.True(Ipv4Packet.TryCreate(packet, out Ipv4Packet view));

        Assert.Equal(24, headerLength);
        Assert.Equal(12, header.PayloadLength);
        Assert.Equal(1, header.TimeToLive);
        Assert.Equal(IpProtocol.Udp, header.Protocol);
        Assert.Equal(Convert.FromHexString("94040000"), view.Options.ToArray());
        Assert.Equal(24, view.Header.Length);
        Assert.Equal(packet[24..], view.Payload.ToArray());
        Assert.True(UdpHeader.TryParse(view.Payload, header.Source, header.Destination, out UdpHeader udp, out int dataLength));
        Assert.Equal(new UdpHeader(1000, 2000), udp);
        Assert.Equal(4, dataLength);
    }

    [Fact]
    public void Ipv4HeaderSkipsSixteenBytesOfOptions()
    {
        byte[] packet = Bytes(Ipv4WithRecordRoutePacket);

        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header header, out int headerLength));
        Assert.True(Ipv4Packet.TryCreate(packet, out Ipv4Packet view));

        Assert.Equal(36, headerLength);
        Assert.Equal(11, header.PayloadLength);
        Assert.Equal(16, view.Options.Length);
        Assert.Equal(packet[36..], view.Payload.ToArray());
        Assert.True(UdpHeader.TryParse(view.Payload, header.Source, header.Destination, out _, out int dataLength));
        Assert.Equal(3, dataLength);
    }

    [Fact]
    public void Ipv4PacketWithoutOptionsHasEmptyOptions()
    {
        byte[] packet = EchoRequestPacket();
        Assert.True(Ipv4Packet.TryCreate(packet, out Ipv4Packet view));

        Assert.Equal(0, view.Options.Length);
        Assert.Equal(20, view.HeaderLength);
        Assert.Equal(40, view.TotalLength);
        Assert.False(view.IsFragment);
    }

    [Fact]
    public void Ipv4PacketLeavesTrailingEthernetPaddingOutOfThePayload()
    {
        byte[] padded = [.. EchoRequestPacket(), 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE];
        Assert.True(Ipv4Packet.TryCreate(padded, out Ipv4Packet view));

        Assert.Equal(40, view.TotalLength);
        Assert.Equal(40, view.Buffer.Length);
        Assert.Equal(20, view.Payload.Length);
        Assert.Equal(padded[20..40], view.Payload.ToArray());
        Assert.True(Ipv4Header.TryParse(padded, out Ipv4Header header, out _));
        Assert.Equal(20, header.PayloadLength);
    }

    [Theory]
    [InlineData(0, true, 0, 400)]
    [InlineData(1, true, 400, 400)]
    [InlineData(2, false, 800, 232)]
    public void Ipv4HeaderParsesAndWritesTheFlagsAndOffsetOfAFragment(int index, bool moreFragments, int offset, int payloadLength)
    {
        byte[] fragment = Fragments()[index];

        Assert.True(Ipv4Header.TryParse(fragment, out Ipv4Header header, out _));
        Assert.True(Ipv4Packet.TryCreate(fragment, out Ipv4Packet view));

        Assert.Equal(moreFragments, header.MoreFragments);
        Assert.False(header.DontFragment);
        Assert.Equal(offset, header.FragmentOffset);
        Assert.Equal(payloadLength, header.PayloadLength);
        Assert.Equal(0xBEEF, header.Identification);
        Assert.True(view.IsFragment);
        Assert.Equal(moreFragments, view.MoreFragments);
        Assert.Equal(offset, view.FragmentOffset);

        var rebuilt = new Ipv4Header(Gateway, Stack, IpProtocol.Udp, payloadLength)
        {
            Identification = 0xBEEF,
            MoreFragments = moreFragments,
            FragmentOffset = offset,
        };
        byte[] written = new byte[Ipv4Header.Length];
        rebuilt.WriteTo(written);
        Assert.Equal(Bytes(FragmentHeaders[index]), written);
    }

    [Fact]
    public void Ipv4HeaderWritesTheLargestFragmentOffset()
    {
        var header = new Ipv4Header(Gateway, Stack, IpProtocol.Udp, 0) { FragmentOffset = 0x1FFF * 8, DontFragment = true };
        byte[] written = new byte[Ipv4Header.Length];

        header.WriteTo(written);

        Assert.Equal(0x5FFF, BinaryPrimitives.ReadUInt16BigEndian(written.AsSpan(6)));
        Assert.True(Ipv4Header.TryParse(written, out Ipv4Header parsed, out _));
        Assert.Equal(0x1FFF * 8, parsed.FragmentOffset);
        Assert.True(parsed.DontFragment);
        Assert.False(parsed.MoreFragments);
    }

    [Fact]
    public void Ipv4HeaderRejectsAWrongChecksumButTheViewStillOpens()
    {
        byte[] packet = EchoRequestPacket();
        packet[11] ^= 0x01;

        Assert.False(Ipv4Header.TryParse(packet, out _, out _));
        Assert.True(Ipv4Packet.TryCreate(packet, out Ipv4Packet view));
        Assert.False(view.VerifyChecksum());
    }

    [Fact]
    public void Ipv4PacketFillChecksumRepairsTheHeaderAfterATtlChange()
    {
        byte[] packet = EchoRequestPacket();
        Assert.True(Ipv4Packet.TryCreate(packet, out Ipv4Packet view));

        view.TimeToLive = 63;
        Assert.False(view.VerifyChecksum());
        view.FillChecksum();

        Assert.True(view.VerifyChecksum());
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header header, out _));
        Assert.Equal(63, header.TimeToLive);
    }

    [Fact]
    public void Ipv4PacketRejectsEveryTruncatedBuffer()
    {
        foreach (byte[] packet in new[] { EchoRequestPacket(), Bytes(Ipv4WithRecordRoutePacket), Bytes(UdpPacket), Fragments()[2] })
        {
            for (int length = 0; length < packet.Length; length++)
            {
                Assert.False(Ipv4Packet.TryCreate(packet.AsSpan(0, length), out _), $"length {length} of {packet.Length}");
                Assert.False(Ipv4Header.TryParse(packet.AsSpan(0, length), out _, out _), $"length {length} of {packet.Length}");
            }
            Assert.True(Ipv4Header.TryParse(packet, out _, out _));
        }
    }

    [Theory]
    [InlineData(0x05)]
    [InlineData(0x35)]
    [InlineData(0x55)]
    [InlineData(0x65)]
    [InlineData(0xF5)]
    public void Ipv4PacketRejectsAVersionOtherThanFour(byte versionAndIhl)
    {
        byte[] packet = EchoRequestPacket();
        packet[0] = versionAndIhl;

        Assert.False(Ipv4Packet.TryCreate(packet, out _));
        Assert.False(Ipv4Header.TryParse(packet, out _, out _));
        Assert.False(Ipv4Header.TryParseQuoted(packet, out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void Ipv4PacketRejectsAnIhlBelowFive(int ihl)
    {
        byte[] packet = EchoRequestPacket();
        packet[0] = (byte)(0x40 | ihl);

        Assert.False(Ipv4Packet.TryCreate(packet, out _));
        Assert.False(Ipv4Header.TryParseQuoted(packet, out _, out _));
    }

    [Theory]
    [InlineData(11)] // 44 bytes of header in a 40-byte packet
    [InlineData(15)] // 60 bytes of header
    public void Ipv4PacketRejectsAnIhlLongerThanThePacket(int ihl)
    {
        byte[] packet = EchoRequestPacket();
        packet[0] = (byte)(0x40 | ihl);

        Assert.False(Ipv4Packet.TryCreate(packet, out _));
        Assert.False(Ipv4Header.TryParse(packet, out _, out _));
    }

    [Fact]
    public void Ipv4PacketRejectsAnIhlLongerThanTheTotalLengthEvenWhenTheBufferIsLonger()
    {
        byte[] packet = [.. EchoRequestPacket(), .. new byte[40]];
        packet[0] = 0x4F; // 60-byte header, total length still 40

        Assert.False(Ipv4Packet.TryCreate(packet, out _));
    }

    [Theory]
    [InlineData(41)]
    [InlineData(1500)]
    [InlineData(65535)]
    public void Ipv4PacketRejectsATotalLengthLongerThanTheBuffer(int totalLength)
    {
        byte[] packet = EchoRequestPacket();
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)totalLength);

        Assert.False(Ipv4Packet.TryCreate(packet, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(19)]
    public void Ipv4PacketRejectsATotalLengthShorterThanTheHeader(int totalLength)
    {
        byte[] packet = EchoRequestPacket();
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)totalLength);

        Assert.False(Ipv4Packet.TryCreate(packet, out _));
    }

    [Fact]
    public void Ipv4PacketAcceptsAHeaderWithNoPayload()
    {
        byte[] packet = new byte[Ipv4Header.Length];
        new Ipv4Header(Gateway, Stack, IpProtocol.Udp, 0).WriteTo(packet);

        Assert.True(Ipv4Packet.TryCreate(packet, out Ipv4Packet view));
        Assert.Equal(0, view.Payload.Length);
        Assert.True(view.VerifyChecksum());
    }

    [Fact]
    public void Ipv4HeaderParsesTheQuoteInsideAPortUnreachable()
    {
        byte[] quote = Bytes(PortUnreachablePacket)[28..]; // 20-byte header + 8 bytes; total length says 40

        Assert.True(Ipv4Header.TryParseQuoted(quote, out Ipv4Header header, out int headerLength));

        Assert.Equal(20, headerLength);
        Assert.Equal(Stack, header.Source);
        Assert.Equal(FarHost, header.Destination);
        Assert.Equal(IpProtocol.Udp, header.Protocol);
        Assert.Equal(20, header.PayloadLength);
        Assert.Equal(0x0042, header.Identification);
        Assert.Equal(33434, BinaryPrimitives.ReadUInt16BigEndian(quote.AsSpan(headerLength)));
        Assert.Equal(33435, BinaryPrimitives.ReadUInt16BigEndian(quote.AsSpan(headerLength + 2)));
        // Not a packet of its own: shorter than its total length.
        Assert.False(Ipv4Packet.TryCreate(quote, out _));
    }

    [Fact]
    public void Ipv4HeaderParsesAQuoteWhoseTtlAndChecksumChangedEnRoute()
    {
        byte[] quote = Bytes(FragmentationNeededPacket)[28..];
        quote[8] = 1; // a router decremented the TTL; the checksum no longer matches

        Assert.True(Ipv4Header.TryParseQuoted(quote, out Ipv4Header header, out _));

        Assert.Equal(1, header.TimeToLive);
        Assert.True(header.DontFragment);
        Assert.Equal(1500 - 20, header.PayloadLength);
    }

    [Fact]
    public void Ipv4HeaderParsesAQuoteWithOptions()
    {
        byte[] quote = Bytes(Ipv4WithRouterAlertPacket)[..32];

        Assert.True(Ipv4Header.TryParseQuoted(quote, out Ipv4Header header, out int headerLength));

        Assert.Equal(24, headerLength);
        Assert.Equal(12, header.PayloadLength);
        Assert.Equal(1000, BinaryPrimitives.ReadUInt16BigEndian(quote.AsSpan(headerLength)));
    }

    [Fact]
    public void Ipv4HeaderRejectsATruncatedQuote()
    {
        byte[] quote = Bytes(PortUnreachablePacket)[28..];
        for (int length = 0; length < Ipv4Header.Length; length++)
        {
            Assert.False(Ipv4Header.TryParseQuoted(quote.AsSpan(0, length), out _, out _), $"length {length}");
        }
        Assert.True(Ipv4Header.TryParseQuoted(quote.AsSpan(0, Ipv4Header.Length), out _, out _));

        byte[] withOptions = Bytes(Ipv4WithRouterAlertPacket);
        Assert.False(Ipv4Header.TryParseQuoted(withOptions.AsSpan(0, 23), out _, out _));
    }

    [Fact]
    public void Ipv4HeaderQuoteWithATotalLengthShorterThanItsHeaderHasNoPayload()
    {
        byte[] quote = Bytes(PortUnreachablePacket)[28..];
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(2), 4);

        Assert.True(Ipv4Header.TryParseQuoted(quote, out Ipv4Header header, out _));
        Assert.Equal(0, header.PayloadLength);
    }

    [Fact]
    public void Ipv4HeaderWriteToAShortBufferThrowsArgumentException()
    {
        byte[] buffer = new byte[Ipv4Header.Length - 1];

        Assert.Throws<ArgumentException>(() => new Ipv4Header(Gateway, Stack, IpProtocol.Udp, 0).WriteTo(buffer));
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(65516, 0)]
    [InlineData(0, 4)]
    [InlineData(0, 1)]
    public void Ipv4HeaderWriteToRefusesFieldsOutOfRange(int payloadLength, int fragmentOffset)
    {
        var header = new Ipv4Header(Gateway, Stack, IpProtocol.Udp, payloadLength) { FragmentOffset = fragmentOffset };
        byte[] buffer = new byte[Ipv4Header.Length];

        Assert.Throws<InvalidOperationException>(() => header.WriteTo(buffer));
    }

    [Fact]
    public void Ipv4HeaderWritesTheLargestPayloadLength()
    {
        byte[] buffer = new byte[Ipv4Header.Length];

        new Ipv4Header(Gateway, Stack, IpProtocol.Udp, 65515).WriteTo(buffer);

        Assert.Equal(65535, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)));
    }
}
