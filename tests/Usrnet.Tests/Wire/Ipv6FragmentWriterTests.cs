using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Wire;
using static Usrnet.Tests.Iface.FragmentBuilder;
using static Usrnet.Tests.Iface.Ipv6FragmentBuilder;

namespace Usrnet.Tests.Wire;

public sealed class Ipv6FragmentWriterTests
{
    /// <summary>The hop-by-hop header's Next Header field in <see cref="ScapyPacket"/>: the unfragmentable part ends at 48.</summary>
    private const int ScapyNextHeaderField = 40;
    private const int ScapyUnfragmentableLength = 48;

    private static List<byte[]> WriteAll(byte[] packet, int unfragmentableLength, int nextHeaderField, int mtu, uint identification)
    {
        var writer = new Ipv6FragmentWriter(packet, unfragmentableLength, nextHeaderField, mtu, identification);
        var fragments = new List<byte[]>();
        byte[] buffer = new byte[mtu];
        while (writer.TryWriteNext(buffer, out int length))
        {
            fragments.Add(buffer[..length]);
        }
        Assert.Equal(writer.Count, fragments.Count);
        return fragments;
    }

    [Fact]
    public void WriterCutsTheExactFragmentsScapysFragment6Makes()
    {
        List<byte[]> fragments = WriteAll(ScapyPacket(), ScapyUnfragmentableLength, ScapyNextHeaderField, 1280, 0x12345678);

        Assert.Equal(ScapyFragments(), fragments);
    }

    [Fact]
    public void WriterFragmentsFitTheMtuWithOffsetsInEightByteUnits()
    {
        byte[] packet = Packet6(Pattern(0, 5000));

        List<byte[]> fragments = WriteAll(packet, Ipv6Header.Length, Ipv6Packet.NextHeaderOffset, 1500, 99);

        int expectedOffset = 0;
        for (int i = 0; i < fragments.Count; i++)
        {
            Assert.InRange(fragments[i].Length, 49, 1500);
            Assert.True(Ipv6Packet.TryCreate(fragments[i], out Ipv6Packet view));
            Ipv6HeaderChain chain = Ipv6HeaderChain.Walk(view);
            Assert.Equal(Ipv6ChainError.None, chain.Error);
            Assert.True(chain.IsFragment);
            Assert.Equal(99u, chain.FragmentIdentification);
            Assert.Equal(expectedOffset, chain.FragmentOffset);
            Assert.Equal(i < fragments.Count - 1, chain.MoreFragments);
            Assert.Equal(0, chain.FragmentOffset % 8);
            expectedOffset += fragments[i].Length - 48;
        }
        // 1500 - 40 - 8 = 1452, rounded down to 8 bytes 1448: 5000 = 3 × 1448 + 656.
        Assert.Equal(4, fragments.Count);
        Assert.Equal(48 + 1448, fragments[0].Length);
        Assert.Equal(48 + 656, fragments[3].Length);
    }

    [Theory]
    [InlineData(1280, 1241)]
    [InlineData(1280, 1233)]
    [InlineData(1500, 65535)]
    [InlineData(9000, 20000)]
    [InlineData(1281, 4000)]
    public void WriterFragmentsReassembleToTheSamePacket(int mtu, int length)
    {
        byte[] packet = Packet6(Pattern(0, length));
        var reassembler = new Ipv6Reassembler();
        List<byte[]> fragments = WriteAll(packet, Ipv6Header.Length, Ipv6Packet.NextHeaderOffset, mtu, 0xCAFE);
        byte[]? rebuilt = null;

        foreach (byte[] fragment in Enumerable.Reverse(fragments))
        {
            Assert.True(Ipv6Packet.TryCreate(fragment, out Ipv6Packet view));
            Ipv6Reassembler.Outcome outcome = reassembler.Add(Instant.Zero, view, Ipv6HeaderChain.Walk(view), out PacketBuffer? buffer, out _, out _);
            Assert.NotEqual(Ipv6Reassembler.Outcome.Dropped, outcome);
            rebuilt = buffer?.Span.ToArray();
            buffer?.Dispose();
        }

        Assert.Equal(packet, rebuilt);
    }

    [Fact]
    public void WriterSendsAPacketThatFitsAsOneAtomicFragment()
    {
        byte[] packet = Packet6(Pattern(0, 100));

        byte[] fragment = Assert.Single(WriteAll(packet, Ipv6Header.Length, Ipv6Packet.NextHeaderOffset, 1280, 5));

        Assert.True(Ipv6Packet.TryCreate(fragment, out Ipv6Packet view));
        Assert.True(Ipv6HeaderChain.Walk(view).IsAtomicFragment);
        Assert.Equal(packet[40..], fragment[48..]);
    }

    [Fact]
    public void WriterRefusesAnMtuBelowIpv6sMinimum()
    {
        byte[] packet = Packet6(Pattern(0, 2000));

        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv6FragmentWriter(packet, Ipv6Header.Length, Ipv6Packet.NextHeaderOffset, 1279, 1));
    }

    [Fact]
    public void WriterRefusesABufferShorterThanTheFragment()
    {
        byte[] packet = Packet6(Pattern(0, 2000));
        byte[] small = new byte[100];

        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new Ipv6FragmentWriter(packet, Ipv6Header.Length, Ipv6Packet.NextHeaderOffset, 1280, 1);
            writer.TryWriteNext(small, out _);
        });
    }

    [Fact]
    public void WriterAllocatesNothing()
    {
        byte[] packet = ScapyPacket();
        byte[] buffer = new byte[1280];
        int written = 0;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 100; round++)
        {
            var writer = new Ipv6FragmentWriter(packet, ScapyUnfragmentableLength, ScapyNextHeaderField, 1280, (uint)round);
            while (writer.TryWriteNext(buffer, out int length))
            {
                written += length;
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(100 * (1280 + 1280 + 616), written);
        Assert.Equal(0, allocated);
    }
}
