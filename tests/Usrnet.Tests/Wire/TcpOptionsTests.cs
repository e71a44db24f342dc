using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Wire;

public sealed class TcpOptionsTests
{
    private static TcpSackBlock Block(uint left, uint right) => new(new TcpSeqNumber(left), new TcpSeqNumber(right));

    private static byte[] Write(TcpOptions options)
    {
        byte[] bytes = new byte[options.Length];
        options.WriteTo(bytes);
        return bytes;
    }

    private static TcpOptions Parse(string hex)
    {
        Assert.True(TcpOptions.TryParse(Bytes(hex), out TcpOptions options), hex);
        return options;
    }

    public static TheoryData<string> MalformedLists => new()
    {
        "0200",                 // length 0
        "0201",                 // length 1
        "1e00",                 // unknown kind, length 0
        "1e01",                 // unknown kind, length 1
        "02",                   // kind with no length octet
        "010102",               // the same after NOPs
        "020405",               // MSS running past the end
        "1e0a0000",             // unknown kind running past the end
        "0203ff",               // MSS of length 3
        "020500000000",         // MSS of length 5
        "030400ff",             // window scale of length 4
        "0302",                 // window scale of length 2
        "040300",               // SACK-permitted of length 3
        "080900000000000000",   // timestamps of length 9
        "080b0000000000000000ff", // timestamps of length 11
        "0502",                 // SACK with no block
        "050b000000010000000200", // SACK of 9 bytes of blocks
        "052a" + "0000000100000002000000030000000400000005000000060000000700000008000000090000000a", // five blocks
        "020405b40101010103",   // valid MSS, then a truncated option
    };

    [Fact]
    public void TcpOptionsOfAnEmptyListAreEmpty()
    {
        Assert.True(TcpOptions.TryParse([], out TcpOptions options));

        Assert.Equal(default, options);
        Assert.True(options.IsEmpty);
        Assert.Equal(0, options.Length);
    }

    [Theory]
    [MemberData(nameof(MalformedLists))]
    public void TcpOptionsRejectAMalformedList(string hex)
    {
        Assert.False(TcpOptions.TryParse(Bytes(hex), out TcpOptions options));
        Assert.Equal(default, options);
    }

    [Fact]
    public void TcpOptionsStopAtEndOfList()
    {
        // After EOL everything is padding, even bytes that would be malformed as options (RFC 9293 §3.2).
        TcpOptions options = Parse("020405b4" + "00" + "0200ff");

        Assert.Equal(new TcpOptions { MaximumSegmentSize = 1460 }, options);
    }

    [Fact]
    public void TcpOptionsSkipNoOperationsAndUnknownKinds()
    {
        TcpOptions options = Parse("01" + "fe06aabbccdd" + "01" + "0402" + "1e02" + "0303" + "05");

        Assert.Equal(new TcpOptions { SackPermitted = true, WindowScale = 5 }, options);
    }

    [Fact]
    public void TcpOptionsKeepTheLastOfARepeatedOption()
    {
        TcpOptions options = Parse("020405b4" + "02040218");

        Assert.Equal((ushort)536, options.MaximumSegmentSize);
    }

    [Fact]
    public void TcpOptionsParseFourSackBlocksWithoutTimestamps()
    {
        TcpOptions options = Parse("0101" + "0522" + "0000000100000002" + "0000000300000004" + "0000000500000006" + "0000000700000008");

        Assert.Equal<TcpSackBlocks>([Block(1, 2), Block(3, 4), Block(5, 6), Block(7, 8)], options.SackBlocks);
        Assert.Equal(4, options.WrittenSackBlockCount);
        Assert.Equal(36, options.Length);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(255)]
    public void TcpOptionsUseAWindowScaleAbove14As14(int shift)
    {
        Assert.Equal((byte)14, Parse($"0303{shift:x2}").WindowScale);
        Assert.Equal((byte)14, new TcpOptions { WindowScale = (byte)shift }.WindowScale);
        Assert.Equal(Bytes("0103030e"), Write(new TcpOptions { WindowScale = (byte)shift }));
    }

    [Fact]
    public void TcpOptionsWriteASynLikeLinux()
    {
        var options = new TcpOptions { MaximumSegmentSize = 1460, SackPermitted = true, Timestamps = (3_000_000_000, 0), WindowScale = 7 };

        Assert.Equal(Bytes("020405b4" + "0402080ab2d05e0000000000" + "01030307"), Write(options));
    }

    [Theory]
    [InlineData("020405b4", 1460, false, false, null)]
    [InlineData("01010402", null, true, false, null)]
    [InlineData("0101080a0000000100000002", null, false, true, null)]
    [InlineData("0402080a0000000100000002", null, true, true, null)]
    [InlineData("01030300", null, false, false, 0)]
    [InlineData("020405b4" + "01010402" + "0103030e", 1460, true, false, 14)]
    [InlineData("020405b4" + "0101080a0000000100000002" + "01030301", 1460, false, true, 1)]
    public void TcpOptionsWriteEachOptionAlignedOn32Bits(string hex, int? mss, bool sackPermitted, bool timestamps, int? windowScale)
    {
        var options = new TcpOptions
        {
            MaximumSegmentSize = (ushort?)mss,
            SackPermitted = sackPermitted,
            Timestamps = timestamps ? (1, 2) : null,
            WindowScale = (byte?)windowScale,
        };

        Assert.Equal(Bytes(hex), Write(options));
        Assert.Equal(options, Parse(hex));
    }

    [Fact]
    public void TcpOptionsWriteSackBlocksAfterTimestamps()
    {
        var options = new TcpOptions { Timestamps = (5, 6), SackBlocks = [Block(0xFFFFFFF0, 0x10), Block(0x100, 0x200)] };

        Assert.Equal(Bytes("0101080a0000000500000006" + "01010512" + "fffffff000000010" + "0000010000000200"), Write(options));
    }

    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 4)]
    public void TcpOptionsMaxSackBlocksFollowsRfc2018(bool withTimestamps, int expected)
    {
        Assert.Equal(expected, TcpOptions.MaxSackBlocks(withTimestamps));
    }

    [Fact]
    public void TcpOptionsLeaveOutTheLastSackBlocksThatDoNotFit()
    {
        TcpSackBlocks four = [Block(1, 2), Block(3, 4), Block(5, 6), Block(7, 8)];
        var withTimestamps = new TcpOptions { Timestamps = (1, 1), SackBlocks = four };
        var withEverything = new TcpOptions { MaximumSegmentSize = 1, SackPermitted = true, Timestamps = (1, 1), WindowScale = 1, SackBlocks = four };

        Assert.Equal(3, withTimestamps.WrittenSackBlockCount);
        Assert.Equal(40, withTimestamps.Length);
        Assert.True(TcpOptions.TryParse(Write(withTimestamps), out TcpOptions parsed));
        Assert.Equal(withTimestamps with { SackBlocks = four.Take(3) }, parsed);

        Assert.Equal(2, withEverything.WrittenSackBlockCount);
        Assert.Equal(40, withEverything.Length);
        Assert.True(TcpOptions.TryParse(Write(withEverything), out parsed));
        Assert.Equal<TcpSackBlocks>([Block(1, 2), Block(3, 4)], parsed.SackBlocks);
    }

    [Fact]
    public void TcpOptionsOfEveryCombinationFitAndRoundTrip()
    {
        TcpSackBlocks four = [Block(10, 20), Block(30, 40), Block(50, 60), Block(70, 80)];
        for (int mask = 0; mask < 16; mask++)
        {
            for (int blocks = 0; blocks <= TcpSackBlocks.MaxCount; blocks++)
            {
                var options = new TcpOptions
                {
                    MaximumSegmentSize = (mask & 1) != 0 ? (ushort)1460 : null,
                    SackPermitted = (mask & 2) != 0,
                    Timestamps = (mask & 4) != 0 ? (7, 8) : null,
                    WindowScale = (mask & 8) != 0 ? (byte)9 : null,
                    SackBlocks = four.Take(blocks),
                };

                Assert.Equal(0, options.Length % 4);
                Assert.InRange(options.Length, 0, TcpOptions.MaxLength);
                byte[] bytes = Write(options);
                Assert.True(TcpOptions.TryParse(bytes, out TcpOptions parsed));
                Assert.Equal(options with { SackBlocks = four.Take(options.WrittenSackBlockCount) }, parsed);
            }
        }
    }

    [Fact]
    public void TcpOptionsWriteToRefusesAShortBuffer()
    {
        var options = new TcpOptions { MaximumSegmentSize = 1460 };

        Assert.Throws<ArgumentException>(() => options.WriteTo(new byte[3]));
    }

    [Fact]
    public void TcpSackBlocksHoldAtMostFourBlocks()
    {
        TcpSackBlock[] five = [Block(1, 2), Block(3, 4), Block(5, 6), Block(7, 8), Block(9, 10)];

        Assert.Throws<ArgumentException>(() => TcpSackBlocks.Create(five));
        Assert.Equal(4, TcpSackBlocks.Create(five.AsSpan(0, 4)).Count);
    }

    [Fact]
    public void TcpSackBlocksIndexAndEnumerateInOrder()
    {
        TcpSackBlocks blocks = [Block(1, 2), Block(3, 4)];

        Assert.Equal(Block(3, 4), blocks[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks[-1]);
        var seen = new List<TcpSackBlock>();
        foreach (TcpSackBlock block in blocks)
        {
            seen.Add(block);
        }
        Assert.Equal([Block(1, 2), Block(3, 4)], seen);
        Assert.Equal("{1-2 3-4}", blocks.ToString());
        Assert.Equal("{}", default(TcpSackBlocks).ToString());
    }

    [Fact]
    public void TcpSackBlocksCompareByTheBlocksInUse()
    {
        TcpSackBlocks four = [Block(1, 2), Block(3, 4), Block(5, 6), Block(7, 8)];

        Assert.Equal<TcpSackBlocks>([Block(1, 2), Block(3, 4)], four.Take(2));
        Assert.Equal(default, four.Take(0));
        Assert.NotEqual<TcpSackBlocks>([Block(1, 2)], [Block(1, 3)]);
        Assert.Equal(four, four.Take(9));
    }

    [Fact]
    public void TcpOptionsParseAndWriteAllocateNothing()
    {
        byte[] bytes = Bytes("0101080a0000000500000006" + "0101051a" + "fffffff000000010" + "0000010000000200" + "0000100000001800");
        byte[] written = new byte[TcpOptions.MaxLength];
        void ParseAndWrite(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(TcpOptions.TryParse(bytes, out TcpOptions options));
                options.WriteTo(written);
            }
        }
        ParseAndWrite(100);

        // The steady state allocates nothing; a round may still see the runtime's own allocation on this
        // thread while it recompiles the loop at a higher tier, so the least of a few rounds is measured.
        long allocated = long.MaxValue;
        for (int round = 0; round < 5 && allocated != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            ParseAndWrite(10_000);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, allocated);
        Assert.Equal(bytes, written);
    }

    [Theory]
    [InlineData("0101080a0000000700000009")]          // NOP NOP TS: the fast path
    [InlineData("080a000000070000000901010000")]      // TS first, NOPs and EOL after: the general path
    [InlineData("01010101080a0000000700000009")]      // more NOPs than the fast path expects
    public void TimestampsAreReadTheSameWhateverTheLayout(string hex)
    {
        TcpOptions options = Parse(hex);

        Assert.Equal((7u, 9u), options.Timestamps);
        Assert.Null(options.MaximumSegmentSize);
        Assert.True(options.SackBlocks.IsEmpty);
    }

    [Fact]
    public void TheTimestampsOnlyLayoutWithABadLengthIsStillMalformed()
    {
        Assert.False(TcpOptions.TryParse(Bytes("0101080b000000070000000900"), out _));
    }
}
