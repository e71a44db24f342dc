using System.Buffers.Binary;
using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Wire;

public sealed class UdpTests
{
    private static byte[] Datagram(string packetHex) => Bytes(packetHex)[Ipv4Header.Length..];

    /// <summary>Writes <paramref name="header"/> over a copy of <paramref name="expected"/> whose header was wiped.</summary>
    private static byte[] Rewrite(UdpHeader header, byte[] expected)
    {
        byte[] datagram = (byte[])expected.Clone();
        datagram.AsSpan(0, UdpHeader.Length).Fill(0x5A);
        header.WriteTo(datagram, Gateway, Stack);
        return datagram;
    }

    [Fact]
    public void UdpHeaderParsesAKnownDatagramAndVerifiesItsChecksum()
    {
        byte[] datagram = Datagram(UdpPacket);

        Assert.True(UdpHeader.TryParse(datagram, Gateway, Stack, out UdpHeader header, out int payloadLength));

        Assert.Equal(new UdpHeader(5353, 53), header);
        Assert.Equal(13, payloadLength);
        Assert.True(UdpDatagram.TryCreate(datagram, out UdpDatagram view));
        Assert.Equal(0x1B90, view.ChecksumField);
        Assert.Equal(21, view.Length);
        Assert.Equal("hello, usrnet"u8.ToArray(), view.Payload.ToArray());
    }

    [Fact]
    public void UdpHeaderWritesTheExactBytesOfAKnownDatagram()
    {
        byte[] expected = Datagram(UdpPacket);

        Assert.Equal(expected, Rewrite(new UdpHeader(5353, 53), expected));
    }

    [Fact]
    public void UdpDatagramWithAZeroChecksumIsAccepted()
    {
        byte[] datagram = Datagram(UdpZeroChecksumPacket);

        Assert.True(UdpDatagram.TryCreate(datagram, out UdpDatagram view));
        Assert.Equal(0, view.ChecksumField);
        Assert.True(view.VerifyChecksum(Gateway, Stack));
        // RFC 768: zero means "none computed", so even the wrong pseudo-header is accepted.
        Assert.True(UdpHeader.TryParse(datagram, FarHost, Stack, out UdpHeader header, out int payloadLength));
        Assert.Equal(new UdpHeader(5353, 53), header);
        Assert.Equal(13, payloadLength);
    }

    [Fact]
    public void UdpChecksumThatComputesToZeroIsWrittenAsAllOnes()
    {
        byte[] expected = Datagram(UdpChecksumFfffPacket);

        byte[] written = Rewrite(new UdpHeader(5353, 53), expected);

        Assert.Equal(expected, written);
        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16BigEndian(written.AsSpan(6)));
        Assert.True(UdpHeader.TryParse(written, Gateway, Stack, out _, out int payloadLength));
        Assert.Equal(4, payloadLength);
    }

    [Fact]
    public void UdpDatagramWithAWrongChecksumIsRejected()
    {
        byte[] datagram = Datagram(UdpPacket);
        datagram[^1] ^= 0x01;

        Assert.False(UdpHeader.TryParse(datagram, Gateway, Stack, out _, out _));
        Assert.True(UdpDatagram.TryCreate(datagram, out UdpDatagram view));
        Assert.False(view.VerifyChecksum(Gateway, Stack));
    }

    [Fact]
    public void UdpChecksumCoversThePseudoHeader()
    {
        byte[] datagram = Datagram(UdpPacket);

        Assert.False(UdpHeader.TryParse(datagram, FarHost, Stack, out _, out _));
        Assert.False(UdpHeader.TryParse(datagram, Gateway, FarHost, out _, out _));
        Assert.True(UdpHeader.TryParse(datagram, Gateway, Stack, out _, out _));
    }

    [Fact]
    public void UdpDatagramRejectsEveryTruncatedBuffer()
    {
        byte[] datagram = Datagram(UdpPacket);
        for (int length = 0; length < datagram.Length; length++)
        {
            Assert.False(UdpDatagram.TryCreate(datagram.AsSpan(0, length), out _), $"length {length}");
            Assert.False(UdpHeader.TryParse(datagram.AsSpan(0, length), Gateway, Stack, out _, out _), $"length {length}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void UdpDatagramRejectsALengthFieldBelowTheHeader(int length)
    {
        byte[] datagram = Datagram(UdpZeroChecksumPacket);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)length);

        Assert.False(UdpDatagram.TryCreate(datagram, out _));
        Assert.False(UdpHeader.TryParse(datagram, Gateway, Stack, out _, out _));
    }

    [Theory]
    [InlineData(22)]
    [InlineData(1000)]
    [InlineData(65535)]
    public void UdpDatagramRejectsALengthFieldLongerThanTheBuffer(int length)
    {
        byte[] datagram = Datagram(UdpZeroChecksumPacket);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)length);

        Assert.False(UdpDatagram.TryCreate(datagram, out _));
    }

    [Fact]
    public void UdpDatagramLeavesBytesAfterTheLengthFieldOut()
    {
        byte[] datagram = [.. Datagram(UdpPacket), 0, 0, 0, 0];

        Assert.True(UdpDatagram.TryCreate(datagram, out UdpDatagram view));
        Assert.Equal(21, view.Length);
        Assert.Equal(13, view.Payload.Length);
        Assert.True(view.VerifyChecksum(Gateway, Stack));
    }

    [Fact]
    public void UdpDatagramOfOnlyAHeaderRoundTrips()
    {
        byte[] datagram = new byte[UdpHeader.Length];
        new UdpHeader(1, 2).WriteTo(datagram, Gateway, Stack);

        Assert.True(UdpHeader.TryParse(datagram, Gateway, Stack, out UdpHeader header, out int payloadLength));
        Assert.Equal(new UdpHeader(1, 2), header);
        Assert.Equal(0, payloadLength);
        Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(6)));
    }

    [Fact]
    public void UdpHeaderWriteToRefusesADatagramOutsideTheLengthRange()
    {
        byte[] tooShort = new byte[UdpHeader.Length - 1];
        byte[] tooLong = new byte[ushort.MaxValue + 1];

        Assert.Throws<ArgumentException>(() => new UdpHeader(1, 2).WriteTo(tooShort, Gateway, Stack));
        Assert.Throws<ArgumentException>(() => new UdpHeader(1, 2).WriteTo(tooLong, Gateway, Stack));
    }

    [Fact]
    public void UdpHeaderMaxPayloadLengthFillsAnIpv4Datagram()
    {
        Assert.Equal(65507, UdpHeader.MaxPayloadLength);
    }
}
