using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;
using static Usrnet.Tests.Wire.TcpFixtures;

namespace Usrnet.Tests.Wire;

public sealed class TcpSegmentTests
{
    [Fact]
    public void TcpSegmentReadsEveryFieldOfAKnownDataSegment()
    {
        byte[] buffer = Bytes(Data);

        Assert.True(TcpSegment.TryCreate(buffer, out TcpSegment segment));

        Assert.Equal(40000, segment.SourcePort);
        Assert.Equal(80, segment.DestinationPort);
        Assert.Equal(new TcpSeqNumber(0xDEADBEF0), segment.SequenceNumber);
        Assert.Equal(new TcpSeqNumber(1001), segment.AcknowledgmentNumber);
        Assert.Equal(32, segment.HeaderLength);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, segment.Flags);
        Assert.Equal(502, segment.WindowSize);
        Assert.Equal(0x31A9, segment.ChecksumField);
        Assert.Equal(0, segment.UrgentPointer);
        Assert.Equal(Bytes("0101080ab2d05e640000004d"), segment.Options.ToArray());
        Assert.Equal("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), segment.Payload.ToArray());
        Assert.Equal(buffer.Length, segment.Length);
        Assert.Equal(18, segment.SegmentLength);
        Assert.True(segment.VerifyChecksum(Gateway, Stack));
    }

    [Theory]
    [InlineData(Syn, 1)]        // SYN occupies one sequence number
    [InlineData(SynAck, 1)]
    [InlineData(FinAck, 1)]     // so does FIN
    [InlineData(Rst, 0)]
    [InlineData(SackAck, 0)]
    [InlineData(Urgent, 4)]
    [InlineData(Data, 18)]
    public void TcpSegmentLengthCountsDataSynAndFin(string segmentHex, int expected)
    {
        Assert.True(TcpSegment.TryCreate(Bytes(segmentHex), out TcpSegment segment));

        Assert.Equal(expected, segment.SegmentLength);
    }

    [Fact]
    public void TcpSegmentLengthCountsSynAndFinTogether()
    {
        byte[] buffer = Bytes(Urgent);
        buffer[13] = (byte)(TcpFlags.Syn | TcpFlags.Fin);

        Assert.True(TcpSegment.TryCreate(buffer, out TcpSegment segment));

        Assert.Equal(4 + 2, segment.SegmentLength);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void TcpSegmentRejectsADataOffsetBelowFive(int dataOffset)
    {
        byte[] buffer = Bytes(FinAck);
        buffer[12] = (byte)(dataOffset << 4);

        Assert.False(TcpSegment.TryCreate(buffer, out _));
        Assert.False(TcpHeader.TryParse(buffer, Gateway, Stack, out _, out _));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(15)]
    public void TcpSegmentRejectsADataOffsetPastTheBuffer(int dataOffset)
    {
        byte[] buffer = Bytes(FinAck);
        buffer[12] = (byte)(dataOffset << 4);

        Assert.False(TcpSegment.TryCreate(buffer, out _));
    }

    [Fact]
    public void TcpSegmentAcceptsAHeaderThatFillsTheBuffer()
    {
        byte[] buffer = Bytes(SackAck);

        Assert.True(TcpSegment.TryCreate(buffer, out TcpSegment segment));

        Assert.Equal(TcpSegment.MaxHeaderLength, segment.HeaderLength);
        Assert.Equal(TcpOptions.MaxLength, segment.Options.Length);
        Assert.True(segment.Payload.IsEmpty);
    }

    [Fact]
    public void TcpSegmentRejectsEveryBufferShorterThanItsHeader()
    {
        byte[] buffer = Bytes(Syn);
        for (int length = 0; length < 40; length++)
        {
            Assert.False(TcpSegment.TryCreate(buffer.AsSpan(0, length), out _), $"length {length}");
        }
        Assert.True(TcpSegment.TryCreate(buffer.AsSpan(0, 40), out _));
    }

    [Fact]
    public void TcpSegmentIgnoresTheReservedBits()
    {
        byte[] buffer = Bytes(FinAck);
        buffer[12] |= 0x0F;

        Assert.True(TcpSegment.TryCreate(buffer, out TcpSegment segment));

        Assert.Equal(20, segment.HeaderLength);
        Assert.Equal(TcpFlags.Fin | TcpFlags.Ack, segment.Flags);
    }
}
