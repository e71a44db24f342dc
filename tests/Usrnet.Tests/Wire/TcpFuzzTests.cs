using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Wire;

/// <summary>
/// Malformed input is counted and dropped, never thrown (docs/articles/design.md §2): the TCP parsers and every
/// accessor of a view they return must survive any bytes at all, and whatever parses writes back to
/// something that parses the same.
/// </summary>
public sealed class TcpFuzzTests
{
    [Fact]
    public void TcpParsersNeverThrowOnRandomBuffers()
    {
        var random = new Random(9293);
        byte[] storage = new byte[1600];
        for (int i = 0; i < 100_000; i++)
        {
            int length = random.Next(4) == 0 ? random.Next(storage.Length + 1) : random.Next(80);
            Span<byte> buffer = storage.AsSpan(0, length);
            random.NextBytes(buffer);
            if (length > 12 && random.Next(2) == 0)
            {
                // A plausible data offset makes the option parser run on most buffers.
                buffer[12] = (byte)(random.Next(5, 16) << 4);
            }
            if (random.Next(2) == 0)
            {
                FixChecksum(buffer);
            }
            Exercise(buffer, checksumMayFail: true);
        }
    }

    [Fact]
    public void TcpOptionParserNeverThrowsOnRandomOptionLists()
    {
        var random = new Random(7323);
        byte[] storage = new byte[TcpOptions.MaxLength + 8];
        for (int i = 0; i < 200_000; i++)
        {
            Span<byte> options = storage.AsSpan(0, random.Next(storage.Length + 1));
            // Mostly known kinds with mostly right lengths, so that every branch runs.
            int at = 0;
            while (at < options.Length)
            {
                byte kind = (byte)(random.Next(3) == 0 ? random.Next(256) : random.Next(9));
                options[at++] = kind;
                if (at < options.Length)
                {
                    options[at++] = (byte)(random.Next(3) == 0 ? random.Next(256) : kind switch
                    {
                        2 => 4,
                        3 => 3,
                        4 => 2,
                        5 => 2 + (8 * random.Next(6)),
                        8 => 10,
                        _ => random.Next(12),
                    });
                }
                int body = Math.Min(random.Next(12), options.Length - at);
                random.NextBytes(options.Slice(at, body));
                at += body;
            }
            ExerciseOptions(options);
        }
    }

    [Fact]
    public void TcpParsersNeverThrowOnBitFlipsOfRealSegments()
    {
        var random = new Random(2018);
        byte[][] fixtures = [.. TcpFixtures.All()];
        for (int i = 0; i < 100_000; i++)
        {
            byte[] segment = (byte[])fixtures[random.Next(fixtures.Length)].Clone();
            int flips = random.Next(1, 5);
            for (int f = 0; f < flips; f++)
            {
                int bit = random.Next(segment.Length * 8);
                segment[bit / 8] ^= (byte)(1 << (bit % 8));
            }
            int length = random.Next(3) == 0 ? random.Next(segment.Length + 1) : segment.Length;
            if (random.Next(2) == 0)
            {
                // Let the damage reach the option parser instead of stopping at the checksum.
                FixChecksum(segment.AsSpan(0, length));
            }
            Exercise(segment.AsSpan(0, length), checksumMayFail: true);
            ExerciseOptions(segment.AsSpan(TcpSegment.MinHeaderLength, Math.Max(0, length - TcpSegment.MinHeaderLength)));
        }
    }

    [Fact]
    public void TcpParsersNeverThrowOnEverySliceOfEveryFixture()
    {
        foreach (byte[] segment in TcpFixtures.All())
        {
            for (int start = 0; start < segment.Length; start++)
            {
                for (int end = start; end <= segment.Length; end++)
                {
                    Exercise(segment.AsSpan(start, end - start), checksumMayFail: true);
                    ExerciseOptions(segment.AsSpan(start, end - start));
                }
            }
        }
    }

    [Fact]
    public void TcpFixturesParseAndRewriteToTheSameHeader()
    {
        foreach (byte[] segment in TcpFixtures.All())
        {
            Exercise(segment, checksumMayFail: false);
        }
    }

    /// <summary>
    /// Calls every accessor of the view; when the header parses, writes it back with the same payload
    /// and checks the result parses to the same header.
    /// </summary>
    private static long Exercise(Span<byte> buffer, bool checksumMayFail)
    {
        long sink = 0;
        if (TcpSegment.TryCreate(buffer, out TcpSegment segment))
        {
            Assert.InRange(segment.HeaderLength, TcpSegment.MinHeaderLength, Math.Min(TcpSegment.MaxHeaderLength, buffer.Length));
            Assert.Equal(segment.HeaderLength - TcpSegment.MinHeaderLength, segment.Options.Length);
            Assert.Equal(buffer.Length - segment.HeaderLength, segment.Payload.Length);
            Assert.InRange(segment.SegmentLength, segment.Payload.Length, segment.Payload.Length + 2);
            sink += segment.SourcePort + segment.DestinationPort + segment.SequenceNumber.GetHashCode()
                + segment.AcknowledgmentNumber.GetHashCode() + (int)segment.Flags + segment.WindowSize
                + segment.ChecksumField + segment.UrgentPointer + segment.Length + segment.Buffer.Length
                + (segment.VerifyChecksum(Gateway, Stack) ? 1 : 0);
        }
        if (TcpHeader.TryParse(buffer, Gateway, Stack, out TcpHeader header, out int headerLength))
        {
            Assert.InRange(headerLength, TcpSegment.MinHeaderLength, TcpSegment.MaxHeaderLength);
            Assert.InRange(header.Length, TcpSegment.MinHeaderLength, TcpSegment.MaxHeaderLength);
            sink += header.GetHashCode();
            // Rewrite with the same payload; unknown options are dropped and SACK blocks may be cut,
            // so compare with what can be represented.
            ReadOnlySpan<byte> payload = buffer[headerLength..];
            byte[] rewritten = new byte[header.Length + payload.Length];
            payload.CopyTo(rewritten.AsSpan(header.Length));
            header.WriteTo(rewritten, Gateway, Stack);
            Assert.True(TcpHeader.TryParse(rewritten, Gateway, Stack, out TcpHeader again, out int againLength));
            Assert.Equal(header with { Options = header.Options with { SackBlocks = header.Options.SackBlocks.Take(header.Options.WrittenSackBlockCount) } }, again);
            Assert.Equal(header.Length, againLength);
        }
        else
        {
            Assert.True(checksumMayFail, "a fixture did not parse");
        }
        return sink;
    }

    /// <summary>Makes the checksum right for the gateway-to-stack pseudo-header, when the buffer can hold one.</summary>
    private static void FixChecksum(Span<byte> buffer)
    {
        if (buffer.Length < TcpSegment.MinHeaderLength)
        {
            return;
        }
        buffer[16] = 0;
        buffer[17] = 0;
        ushort checksum = Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(Gateway, Stack, IpProtocol.Tcp, buffer.Length), buffer));
        buffer[16] = (byte)(checksum >> 8);
        buffer[17] = (byte)checksum;
    }

    private static void ExerciseOptions(ReadOnlySpan<byte> bytes)
    {
        if (!TcpOptions.TryParse(bytes, out TcpOptions options))
        {
            Assert.Equal(default, options);
            return;
        }
        Assert.InRange(options.WindowScale ?? 0, 0, TcpOptions.MaxWindowScale);
        Assert.InRange(options.SackBlocks.Count, 0, TcpSackBlocks.MaxCount);
        Assert.InRange(options.Length, 0, TcpOptions.MaxLength);
        Assert.Equal(0, options.Length % 4);
        Span<byte> written = stackalloc byte[TcpOptions.MaxLength];
        options.WriteTo(written);
        Assert.True(TcpOptions.TryParse(written[..options.Length], out TcpOptions again));
        Assert.Equal(options with { SackBlocks = options.SackBlocks.Take(options.WrittenSackBlockCount) }, again);
    }
}
