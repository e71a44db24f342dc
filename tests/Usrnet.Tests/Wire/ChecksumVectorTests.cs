using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Wire;

/// <summary>
/// The vectorised checksum against a plain 16-bit word loop: every length, offset, chunking and carry
/// pattern the vector loops and their scalar tail can meet.
/// </summary>
public sealed class ChecksumVectorTests
{
    /// <summary>Largest IPv4 datagram, the longest span a checksum covers on the wire.</summary>
    private const int MaxLength = ushort.MaxValue;

    /// <summary>
    /// More than 65536 vectors of 32 bytes: past the point where the vector loops must fold their
    /// 32-bit lanes, for both widths.
    /// </summary>
    private const int PastLaneFold = (1 << 16) * 32 * 2 + 7;

    /// <summary>RFC 1071 §1 as written: big-endian 16-bit words, an odd byte padded with zero, end-around carry.</summary>
    private static ushort ReferenceSum(ReadOnlySpan<byte> data, ulong initial = 0)
    {
        ulong sum = initial;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (ulong)(data[i] << 8 | (i + 1 < data.Length ? data[i + 1] : 0));
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)sum;
    }

    private static ushort ReferenceChecksum(ReadOnlySpan<byte> data) => (ushort)~ReferenceSum(data);

    /// <summary>Folds a sum to 16 bits with end-around carries (RFC 1071 §1).</summary>
    private static ushort Folded(ulong sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)sum;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] data = new byte[length];
        random.NextBytes(data);
        return data;
    }

    [Fact]
    public void ChecksumMatchesTheReferenceForRandomLengthsUpTo65535()
    {
        var random = new Random(1071);
        byte[] data = RandomBytes(random, MaxLength);
        for (int trial = 0; trial < 1000; trial++)
        {
            ReadOnlySpan<byte> span = data.AsSpan(0, random.Next(0, MaxLength + 1));
            Assert.Equal(ReferenceChecksum(span), Checksum.Compute(span));
            Assert.Equal(ReferenceSum(span), Folded(Checksum.Accumulate(0, span)));
        }
    }

    [Fact]
    public void ChecksumMatchesTheReferenceForEveryLengthAroundTheVectorWidths()
    {
        var random = new Random(32);
        byte[] data = RandomBytes(random, 200);
        for (int length = 0; length <= data.Length; length++)
        {
            Assert.Equal(ReferenceChecksum(data.AsSpan(0, length)), Checksum.Compute(data.AsSpan(0, length)));
        }
    }

    [Fact]
    public void ChecksumMatchesTheReferenceAtOddStartOffsets()
    {
        var random = new Random(34);
        byte[] data = RandomBytes(random, MaxLength + 64);
        for (int offset = 1; offset < 64; offset += 2)
        {
            foreach (int length in new[] { 1, 15, 20, 31, 33, 63, 64, 65, 577, 1447, 1448, 1500, 9001, MaxLength })
            {
                ReadOnlySpan<byte> span = data.AsSpan(offset, length);
                Assert.Equal(ReferenceChecksum(span), Checksum.Compute(span));
            }
        }
    }

    [Fact]
    public void ChecksumMatchesTheReferenceForOddLengths()
    {
        var random = new Random(4);
        for (int trial = 0; trial < 500; trial++)
        {
            byte[] data = RandomBytes(random, random.Next(0, MaxLength / 2) * 2 + 1);
            Assert.Equal(ReferenceChecksum(data), Checksum.Compute(data));
        }
    }

    [Fact]
    public void ChecksumFoldsTheCarriesOfAllOnesData()
    {
        byte[] data = new byte[PastLaneFold];
        data.AsSpan().Fill(0xFF);
        foreach (int length in new[] { 31, 32, 1500, MaxLength - 1, MaxLength, PastLaneFold - 7, PastLaneFold })
        {
            for (int offset = 0; offset < 2; offset++)
            {
                ReadOnlySpan<byte> span = data.AsSpan(offset, length - offset);
                Assert.Equal(ReferenceChecksum(span), Checksum.Compute(span));
                Assert.Equal(ReferenceSum(span, 0xFFFF_FFFF), Folded(Checksum.Accumulate(0xFFFF_FFFF, span)));
            }
        }
    }

    [Fact]
    public void ChecksumOfAllZeroDataIsAllOnesAndOfAllOnesWordsIsZero()
    {
        // One's complement has two zeros: a sum of zero words is +0 (checksum 0xFFFF), a non-empty sum
        // of 0xFFFF words is -0 (checksum 0), whatever path added them.
        byte[] zeros = new byte[1500];
        byte[] ones = new byte[1500];
        ones.AsSpan().Fill(0xFF);

        Assert.Equal(0xFFFF, Checksum.Compute(zeros));
        Assert.Equal(0, Checksum.Compute(ones));
    }

    [Fact]
    public void ChecksumAccumulatedOverEvenChunksThenAnOddOneEqualsTheWhole()
    {
        var random = new Random(9293);
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] data = RandomBytes(random, random.Next(1, MaxLength / 2) * 2 + 1);
            uint sum = 0;
            int at = 0;
            // Every chunk but the last has even length (the contract of Accumulate); the last is odd.
            while (data.Length - at > 1)
            {
                int chunk = Math.Min(data.Length - at - 1, 2 * random.Next(0, 2000));
                sum = Checksum.Accumulate(sum, data.AsSpan(at, chunk));
                at += chunk;
            }
            sum = Checksum.Accumulate(sum, data.AsSpan(at));
            Assert.Equal(ReferenceChecksum(data), Checksum.Finish(sum));
        }
    }

    [Fact]
    public void ChecksumMatchesTheExampleOfRfc1071AtEveryOffsetAndRepeated()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to 2ddf0, folded ddf2.
        byte[] example = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        byte[] buffer = new byte[example.Length + 33];
        for (int offset = 0; offset < 33; offset++)
        {
            example.CopyTo(buffer, offset);
            Assert.Equal(0xddf2, Folded(Checksum.Accumulate(0, buffer.AsSpan(offset, example.Length))));
        }

        // Sixteen copies fill whole vectors: 16 * 2ddf0 = 2ddf00, folded df2d.
        byte[] repeated = [.. Enumerable.Repeat(example, 16).SelectMany(b => b)];
        Assert.Equal(0xdf2d, Folded(Checksum.Accumulate(0, repeated)));
    }

    /// <summary>
    /// A full-sized segment made by scapy 2.5 (Debian), not by the code under test:
    /// <c>IP(src="10.0.0.101", dst="10.0.0.102", id=1, flags="DF")/TCP(sport=40000, dport=80,
    /// seq=0xDEADBEF0, ack=1001, flags="PA", window=502, options=[("NOP", None), ("NOP", None),
    /// ("Timestamp", (3000000100, 77))])/bytes((i * 7 + 3) &amp; 0xFF for i in range(1448))</c>.
    /// </summary>
    private static byte[] FullSizedPacket()
    {
        byte[] headers = Bytes("450005dc00014000400620510a0000650a000066"
            + "9c400050deadbef0000003e9801801f603de00000101080ab2d05e640000004d");
        byte[] packet = new byte[headers.Length + 1448];
        headers.CopyTo(packet, 0);
        for (int i = 0; i < 1448; i++)
        {
            packet[headers.Length + i] = (byte)(i * 7 + 3);
        }
        return packet;
    }

    [Fact]
    public void ChecksumOfAFullSizedIpv4HeaderAndTcpSegmentIsScapys()
    {
        // Where a frame puts them: after a 14-byte Ethernet header, and at an odd offset as well.
        foreach (int offset in new[] { EthernetHeader.Length, EthernetHeader.Length + 1 })
        {
            byte[] frame = new byte[offset + 1500];
            FullSizedPacket().CopyTo(frame, offset);
            Span<byte> header = frame.AsSpan(offset, Ipv4Header.Length);
            Span<byte> segment = frame.AsSpan(offset + Ipv4Header.Length);
            header[10] = header[11] = 0;
            segment[16] = segment[17] = 0;

            Assert.Equal(0x2051, Checksum.Compute(header));
            uint pseudo = Checksum.PseudoHeader(Gateway, Stack, IpProtocol.Tcp, segment.Length);
            Assert.Equal(0x03de, Checksum.Finish(Checksum.Accumulate(pseudo, segment)));
        }
    }

    [Fact]
    public void ChecksumOfTheScapyDataSegmentIsItsChecksumField()
    {
        byte[] segment = Bytes(TcpFixtures.Data);
        segment[16] = segment[17] = 0;

        uint pseudo = Checksum.PseudoHeader(Gateway, Stack, IpProtocol.Tcp, segment.Length);
        Assert.Equal(0x31a9, Checksum.Finish(Checksum.Accumulate(pseudo, segment)));
    }

    [Fact]
    public void EachVectorWidthSumsItsWholeVectorsAndLeavesTheRest()
    {
        // Called directly, so that both widths and their lane folds run whatever this machine accelerates.
        var random = new Random(128);
        byte[] data = RandomBytes(random, PastLaneFold);
        byte[] ones = new byte[PastLaneFold];
        ones.AsSpan().Fill(0xFF);
        foreach (byte[] source in new[] { data, ones })
        {
            foreach (int length in new[] { 0, 15, 16, 17, 31, 32, 33, 1500, PastLaneFold / 2, PastLaneFold })
            {
                ulong sum256 = Checksum.SumVector256(source.AsSpan(source.Length - length), out int wide);
                ulong sum128 = Checksum.SumVector128(source.AsSpan(source.Length - length), out int narrow);

                Assert.Equal(length - length % 32, wide);
                Assert.Equal(length - length % 16, narrow);
                Assert.Equal(ReferenceSum(source.AsSpan(source.Length - length, length - length % 32)), Folded(Checksum.ToNetworkOrder(sum256)));
                Assert.Equal(ReferenceSum(source.AsSpan(source.Length - length, length - length % 16)), Folded(Checksum.ToNetworkOrder(sum128)));
            }
        }
    }
}
