using System.Buffers.Binary;
using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;
using static Usrnet.Tests.Wire.TcpFixtures;

namespace Usrnet.Tests.Wire;

public sealed class TcpHeaderTests
{
    private static readonly Ipv4Address Client = Gateway;
    private static readonly Ipv4Address Server = Stack;

    /// <summary>The pseudo-header addresses of a fixture: the stack sends SYN-ACK and RST, the gateway the rest.</summary>
    private static (Ipv4Address Source, Ipv4Address Destination) Addresses(string segmentHex) =>
        segmentHex is SynAck or Rst ? (Server, Client) : (Client, Server);

    private static TcpHeader Parse(string segmentHex, out int headerLength)
    {
        (Ipv4Address source, Ipv4Address destination) = Addresses(segmentHex);
        Assert.True(TcpHeader.TryParse(Bytes(segmentHex), source, destination, out TcpHeader header, out headerLength));
        return header;
    }

    /// <summary>Writes <paramref name="header"/> over a copy of <paramref name="expected"/> whose header was wiped.</summary>
    private static byte[] Rewrite(TcpHeader header, byte[] expected, Ipv4Address source, Ipv4Address destination)
    {
        byte[] segment = (byte[])expected.Clone();
        segment.AsSpan(0, header.Length).Fill(0x5A);
        header.WriteTo(segment, source, destination);
        return segment;
    }

    [Fact]
    public void TcpHeaderParsesALinuxStyleSynWithAllItsOptions()
    {
        TcpHeader header = Parse(Syn, out int headerLength);

        Assert.Equal(new TcpHeader(40000, 80, new TcpSeqNumber(0xDEADBEEF), new TcpSeqNumber(0), TcpFlags.Syn, 64240)
        {
            Options = new TcpOptions
            {
                MaximumSegmentSize = 1460,
                SackPermitted = true,
                Timestamps = (3_000_000_000, 0),
                WindowScale = 7,
            },
        }, header);
        Assert.Equal(40, headerLength);
        Assert.Equal(40, header.Length);
        Assert.True(header.Options.SackBlocks.IsEmpty);
    }

    [Fact]
    public void TcpHeaderParsesASynAckWithOnlyAnMss()
    {
        TcpHeader header = Parse(SynAck, out int headerLength);

        Assert.Equal(new TcpHeader(80, 40000, new TcpSeqNumber(1000), new TcpSeqNumber(0xDEADBEF0), TcpFlags.Syn | TcpFlags.Ack, 8192)
        {
            Options = new TcpOptions { MaximumSegmentSize = 1460 },
        }, header);
        Assert.Equal(24, headerLength);
    }

    [Fact]
    public void TcpHeaderParsesADataSegmentAndLocatesItsPayload()
    {
        byte[] segment = Bytes(Data);

        Assert.True(TcpHeader.TryParse(segment, Client, Server, out TcpHeader header, out int headerLength));

        Assert.Equal(new TcpHeader(40000, 80, new TcpSeqNumber(0xDEADBEF0), new TcpSeqNumber(1001), TcpFlags.Psh | TcpFlags.Ack, 502)
        {
            Options = new TcpOptions { Timestamps = (3_000_000_100, 77) },
        }, header);
        Assert.Equal(32, headerLength);
        Assert.Equal("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), segment[headerLength..]);
    }

    [Fact]
    public void TcpHeaderParsesAFinAckAtTheEndOfTheSequenceSpace()
    {
        TcpHeader header = Parse(FinAck, out int headerLength);

        Assert.Equal(new TcpHeader(40000, 80, new TcpSeqNumber(0xFFFFFFFF), new TcpSeqNumber(0x10), TcpFlags.Fin | TcpFlags.Ack, 65535), header);
        Assert.Equal(20, headerLength);
        Assert.True(header.Options.IsEmpty);
    }

    [Fact]
    public void TcpHeaderParsesAReset()
    {
        TcpHeader header = Parse(Rst, out int headerLength);

        Assert.Equal(new TcpHeader(80, 40000, new TcpSeqNumber(4242), new TcpSeqNumber(0), TcpFlags.Rst, 0), header);
        Assert.Equal(20, headerLength);
    }

    [Fact]
    public void TcpHeaderParsesThreeSackBlocksNextToTimestamps()
    {
        TcpHeader header = Parse(SackAck, out int headerLength);

        Assert.Equal(60, headerLength);
        Assert.Equal(TcpFlags.Ack, header.Flags);
        Assert.Equal(new TcpSeqNumber(0xFFFFFF00), header.AcknowledgmentNumber);
        Assert.Equal((123456u, 654321u), header.Options.Timestamps);
        TcpSackBlocks blocks = header.Options.SackBlocks;
        Assert.Equal(3, blocks.Count);
        Assert.Equal(new TcpSackBlock(new TcpSeqNumber(0xFFFFFFF0), new TcpSeqNumber(0x10)), blocks[0]);
        Assert.Equal(0x20, blocks[0].Length);
        Assert.Equal(new TcpSackBlock(new TcpSeqNumber(0x100), new TcpSeqNumber(0x200)), blocks[1]);
        Assert.Equal(new TcpSackBlock(new TcpSeqNumber(0x1000), new TcpSeqNumber(0x1800)), blocks[2]);
    }

    [Fact]
    public void TcpHeaderParsesTheUrgentPointer()
    {
        TcpHeader header = Parse(Urgent, out _);

        Assert.Equal(TcpFlags.Urg | TcpFlags.Ack, header.Flags);
        Assert.Equal(3, header.UrgentPointer);
    }

    [Fact]
    public void TcpHeaderParsesAnEcnSetupSyn()
    {
        TcpHeader header = Parse(EcnSyn, out _);

        Assert.Equal(TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr, header.Flags);
        Assert.Equal(new TcpOptions { MaximumSegmentSize = 536, WindowScale = 14 }, header.Options);
    }

    [Fact]
    public void TcpHeaderSkipsAnUnknownOptionAndThePaddingAfterEndOfList()
    {
        TcpHeader header = Parse(UnknownOption, out int headerLength);

        Assert.Equal(36, headerLength);
        Assert.Equal(new TcpOptions { MaximumSegmentSize = 1200 }, header.Options);
        // Unknown options are not kept, so the header written back is shorter.
        Assert.Equal(24, header.Length);
    }

    [Fact]
    public void TcpHeaderUsesAWindowScaleAbove14As14()
    {
        TcpHeader header = Parse(WindowScale15Syn, out _);

        Assert.Equal((byte)14, header.Options.WindowScale);
    }

    [Theory]
    [InlineData(Syn)]
    [InlineData(SynAck)]
    [InlineData(Data)]
    [InlineData(FinAck)]
    [InlineData(Rst)]
    [InlineData(SackAck)]
    [InlineData(Urgent)]
    [InlineData(EcnSyn)]
    public void TcpHeaderWritesTheExactBytesOfAKnownSegment(string segmentHex)
    {
        (Ipv4Address source, Ipv4Address destination) = Addresses(segmentHex);
        byte[] expected = Bytes(segmentHex);
        TcpHeader header = Parse(segmentHex, out int headerLength);

        Assert.Equal(headerLength, header.Length);
        Assert.Equal(expected, Rewrite(header, expected, source, destination));
    }

    [Fact]
    public void TcpHeaderWithAWrongChecksumIsRejected()
    {
        byte[] segment = Bytes(Data);
        segment[^1] ^= 0x01;

        Assert.False(TcpHeader.TryParse(segment, Client, Server, out _, out _));
        Assert.True(TcpSegment.TryCreate(segment, out TcpSegment view));
        Assert.False(view.VerifyChecksum(Client, Server));
    }

    [Fact]
    public void TcpChecksumCoversThePseudoHeader()
    {
        byte[] segment = Bytes(Data);

        Assert.False(TcpHeader.TryParse(segment, FarHost, Server, out _, out _));
        Assert.False(TcpHeader.TryParse(segment, Client, FarHost, out _, out _));
        Assert.True(TcpHeader.TryParse(segment, Client, Server, out _, out _));
    }

    [Fact]
    public void TcpHeaderRejectsEveryTruncatedBuffer()
    {
        foreach (byte[] segment in TcpFixtures.All())
        {
            for (int length = 0; length < segment.Length; length++)
            {
                // The pseudo-header sum does not depend on direction, so one address order serves every fixture.
                Assert.False(TcpHeader.TryParse(segment.AsSpan(0, length), Client, Server, out _, out _), $"{Convert.ToHexString(segment)} cut to {length}");
            }
        }
    }

    [Fact]
    public void TcpHeaderRejectsMalformedOptionsEvenWithARightChecksum()
    {
        // The SYN's MSS option claims length 5: re-checksum so that only the options are wrong.
        byte[] segment = Bytes(Syn);
        segment[21] = 5;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(16), 0);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(16), Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(Client, Server, IpProtocol.Tcp, segment.Length), segment)));

        Assert.True(TcpSegment.TryCreate(segment, out TcpSegment view));
        Assert.True(view.VerifyChecksum(Client, Server));
        Assert.False(TcpHeader.TryParse(segment, Client, Server, out TcpHeader header, out int headerLength));
        Assert.Equal(default, header);
        Assert.Equal(0, headerLength);
    }

    [Fact]
    public void TcpHeaderRoundTripsAPayload()
    {
        var header = new TcpHeader(1234, 5678, new TcpSeqNumber(0xFFFFFFF0), new TcpSeqNumber(7), TcpFlags.Psh | TcpFlags.Ack, 4096)
        {
            Options = new TcpOptions { Timestamps = (1, 2), SackBlocks = [new(new TcpSeqNumber(100), new TcpSeqNumber(200))] },
        };
        byte[] payload = [.. Enumerable.Range(0, 301).Select(i => (byte)i)];
        byte[] segment = new byte[header.Length + payload.Length];
        payload.CopyTo(segment, header.Length);

        header.WriteTo(segment, Server, Client);

        Assert.True(TcpHeader.TryParse(segment, Server, Client, out TcpHeader parsed, out int headerLength));
        Assert.Equal(header, parsed);
        Assert.Equal(header.Length, headerLength);
        Assert.Equal(payload, segment[headerLength..]);
    }

    [Fact]
    public void TcpChecksumThatComputesToZeroIsWrittenAsZero()
    {
        // Unlike UDP, zero is an ordinary TCP checksum (RFC 9293 §3.1 has no "no checksum").
        var header = new TcpHeader(1, 2, new TcpSeqNumber(3), new TcpSeqNumber(4), TcpFlags.Ack, 5);
        byte[] segment = new byte[TcpSegment.MinHeaderLength + 2];
        header.WriteTo(segment, Client, Server);
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(16));
        // Two payload bytes equal to the checksum bring the sum to all ones, so the checksum becomes 0.
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(TcpSegment.MinHeaderLength), checksum);

        header.WriteTo(segment, Client, Server);

        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(16)));
        Assert.True(TcpHeader.TryParse(segment, Client, Server, out TcpHeader parsed, out _));
        Assert.Equal(header, parsed);
    }

    [Fact]
    public void TcpHeaderWriteToRefusesASegmentOutsideTheLengthRange()
    {
        var header = new TcpHeader(1, 2, default, default, TcpFlags.Syn, 3) { Options = new TcpOptions { MaximumSegmentSize = 1460 } };

        Assert.Throws<ArgumentException>(() => header.WriteTo(new byte[header.Length - 1], Client, Server));
        Assert.Throws<ArgumentException>(() => header.WriteTo(new byte[TcpHeader.MaxSegmentLength + 1], Client, Server));
        header.WriteTo(new byte[TcpHeader.MaxSegmentLength], Client, Server);
    }

    [Fact]
    public void TcpHeaderWritesZeroReservedBitsAndTheDataOffset()
    {
        var header = new TcpHeader(1, 2, default, default, TcpFlags.Cwr | TcpFlags.Ece | TcpFlags.Fin, 3)
        {
            Options = new TcpOptions { MaximumSegmentSize = 1, WindowScale = 2 },
        };
        byte[] segment = new byte[header.Length];
        segment.AsSpan().Fill(0xFF);

        header.WriteTo(segment, Client, Server);

        Assert.Equal(0x70, segment[12]);
        Assert.Equal(0xC1, segment[13]);
    }

    [Fact]
    public void TcpHeaderParseAndWriteAllocateNothing()
    {
        byte[] segment = Bytes(SackAck);
        void ParseAndWrite(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(TcpHeader.TryParse(segment, Client, Server, out TcpHeader header, out _));
                header.WriteTo(segment, Client, Server);
            }
        }
        ParseAndWrite(100);

        long before = GC.GetAllocatedBytesForCurrentThread();
        ParseAndWrite(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
