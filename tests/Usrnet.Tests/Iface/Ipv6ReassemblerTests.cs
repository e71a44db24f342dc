using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Wire;
using static Usrnet.Tests.Iface.FragmentBuilder;
using static Usrnet.Tests.Iface.Ipv6FragmentBuilder;

namespace Usrnet.Tests.Iface;

// The steady-state allocation test rents pooled packet buffers: it runs apart from the parallel tests.
[Collection(AllocationMeasuringCollection.Name)]
public sealed class Ipv6ReassemblerTests
{
    private static Instant At(double seconds) => Instant.FromSeconds(seconds);

    private static Ipv6Reassembler.Outcome Add(Ipv6Reassembler reassembler, Instant now, byte[] fragment, out byte[]? packet) =>
        Add(reassembler, now, fragment, out packet, out _, out _);

    private static Ipv6Reassembler.Outcome Add(Ipv6Reassembler reassembler, Instant now, byte[] fragment, out byte[]? packet, out int evicted, out IcmpV6Message problem)
    {
        Assert.True(Ipv6Packet.TryCreate(fragment, out Ipv6Packet view));
        Ipv6HeaderChain chain = Ipv6HeaderChain.Walk(view);
        Ipv6Reassembler.Outcome outcome = reassembler.Add(now, view, chain, out PacketBuffer? buffer, out evicted, out problem);
        Assert.Equal(outcome == Ipv6Reassembler.Outcome.Complete, buffer is not null);
        Assert.Equal(outcome == Ipv6Reassembler.Outcome.ParameterProblem, problem.Type == IcmpV6Type.ParameterProblem);
        packet = buffer?.Span.ToArray();
        buffer?.Dispose();
        return outcome;
    }

    [Theory]
    [InlineData(0, 1, 2)]
    [InlineData(0, 2, 1)]
    [InlineData(1, 0, 2)]
    [InlineData(1, 2, 0)]
    [InlineData(2, 0, 1)]
    [InlineData(2, 1, 0)]
    public void ReassemblerRebuildsTheExactBytesOfScapysFragmentedPacketInAnyOrder(int first, int second, int third)
    {
        var reassembler = new Ipv6Reassembler();
        byte[][] fragments = ScapyFragments();

        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), fragments[first], out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0.1), fragments[second], out _));
        Assert.Equal(1, reassembler.InProgress);
        Assert.Equal(Ipv6Reassembler.Outcome.Complete, Add(reassembler, At(0.2), fragments[third], out byte[]? packet));

        // RFC 8200 §4.5: the hop-by-hop header stays, its Next Header now UDP, the payload length the whole.
        Assert.Equal(ScapyPacket(), packet);
        Assert.Equal(0, reassembler.InProgress);
        Assert.Null(reassembler.PollAt());
    }

    [Fact]
    public void ReassemblerPassesAnAtomicFragmentThroughWithoutState()
    {
        var reassembler = new Ipv6Reassembler();
        // RFC 6946 §4: offset 0 and M clear, processed as a whole packet, even beside a partial one with its ID.
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(7, 0, 16, more: true), out _));

        Assert.Equal(Ipv6Reassembler.Outcome.PassThrough, Add(reassembler, At(0), Fragment6(7, 0, 16, more: false), out byte[]? packet));

        Assert.Null(packet);
        Assert.Equal(1, reassembler.InProgress);
        Assert.Equal(Ipv6Reassembler.Outcome.Complete, Add(reassembler, At(0), Fragment6(7, 16, 5, more: false), out packet));
        Assert.Equal(Packet6(Pattern(0, 21)), packet);
    }

    [Fact]
    public void ReassemblerPassesAPacketWithoutAFragmentHeaderThrough()
    {
        var reassembler = new Ipv6Reassembler();

        Assert.Equal(Ipv6Reassembler.Outcome.PassThrough, Add(reassembler, At(0), Packet6(Pattern(0, 12)), out _));
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerCompletesManyFragmentsInReverseOrder()
    {
        var reassembler = new Ipv6Reassembler();
        byte[] payload = Pattern(0, 8 * 40 + 5);
        for (int offset = 8 * 40; offset >= 0; offset -= 8)
        {
            bool last = offset == 8 * 40;
            Ipv6Reassembler.Outcome outcome = Add(reassembler, At(0), Fragment6(9, offset, payload.AsSpan(offset, last ? 5 : 8), more: !last), out byte[]? packet);
            Assert.Equal(offset > 0 ? Ipv6Reassembler.Outcome.Pending : Ipv6Reassembler.Outcome.Complete, outcome);
            if (offset == 0)
            {
                Assert.Equal(Packet6(payload), packet);
            }
        }
    }

    [Fact]
    public void ReassemblerIgnoresAnExactDuplicate()
    {
        var reassembler = new Ipv6Reassembler();
        byte[][] fragments = ScapyFragments();

        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), fragments[0], out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Duplicate, Add(reassembler, At(0), fragments[0], out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), fragments[2], out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Duplicate, Add(reassembler, At(0), fragments[2], out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Complete, Add(reassembler, At(0), fragments[1], out byte[]? packet));

        Assert.Equal(ScapyPacket(), packet);
    }

    [Theory]
    [InlineData(392, 408)]  // starts inside the first fragment
    [InlineData(0, 408)]    // same start, longer
    [InlineData(0, 8)]      // same start, shorter
    [InlineData(8, 8)]      // wholly inside
    [InlineData(392, 8)]    // the last eight bytes again
    public void ReassemblerDropsTheWholePacketOnAnOverlap(int offset, int length)
    {
        var reassembler = new Ipv6Reassembler();
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 0, 400, more: true), out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 800, 8, more: false), out _));

        // RFC 5722 §4: the entire datagram and its constituent fragments are discarded, silently.
        Assert.Equal(Ipv6Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment6(1, offset, length, more: true), out _, out int evicted, out _));

        Assert.Equal(2, evicted);
        Assert.Equal(0, reassembler.InProgress);
        // The missing middle now starts a new packet that cannot complete.
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 400, 400, more: true), out _));
    }

    [Theory]
    [InlineData(401)]
    [InlineData(7)]
    [InlineData(1)]
    public void ReassemblerAsksForAParameterProblemForANonLastFragmentNotAMultipleOfEight(int length)
    {
        var reassembler = new Ipv6Reassembler();

        Assert.Equal(Ipv6Reassembler.Outcome.ParameterProblem, Add(reassembler, At(0), Fragment6(1, 0, length, more: true), out _, out _, out IcmpV6Message problem));

        // RFC 8200 §4.5: code 0, pointing to the Payload Length field.
        Assert.Equal(IcmpV6Message.ParameterProblem(IcmpV6ParameterProblemCode.ErroneousHeaderField, 4), problem);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerAsksForAParameterProblemForAFragmentReachingPast65535()
    {
        var reassembler = new Ipv6Reassembler();

        Assert.Equal(Ipv6Reassembler.Outcome.ParameterProblem, Add(reassembler, At(0), Fragment6(1, 65528, 16, more: false), out _, out _, out IcmpV6Message problem));

        // RFC 8200 §4.5: code 0, pointing to the Fragment Offset field (fragment header at 40, field at 42).
        Assert.Equal(IcmpV6Message.ParameterProblem(IcmpV6ParameterProblemCode.ErroneousHeaderField, 42), problem);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerAcceptsAFragmentEndingExactlyAt65535()
    {
        var reassembler = new Ipv6Reassembler();

        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 65528, 7, more: false), out _));
        Assert.Equal(1, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerRebuildsTheLargestPacket()
    {
        var reassembler = new Ipv6Reassembler();
        byte[] payload = Pattern(0, Ipv6Packet.MaxPayloadLength);
        byte[]? packet = null;
        const int Size = 1448;
        for (int offset = 0; offset < payload.Length; offset += Size)
        {
            int length = Math.Min(Size, payload.Length - offset);
            bool more = offset + length < payload.Length;
            Assert.Equal(more ? Ipv6Reassembler.Outcome.Pending : Ipv6Reassembler.Outcome.Complete,
                Add(reassembler, At(0), Fragment6(3, offset, payload.AsSpan(offset, length), more), out packet));
        }

        Assert.Equal(Packet6(payload), packet);
        Assert.Equal(40 + 65535, packet!.Length);
    }

    [Fact]
    public void ReassemblerDropsAPacketWhoseFirstFragmentsUnfragmentablePartMakesItTooLong()
    {
        var reassembler = new Ipv6Reassembler();
        byte[] hopByHop = [NextFragment, 0, 1, 4, 0, 0, 0, 0];
        byte[] payload = Pattern(0, Ipv6Packet.MaxPayloadLength);
        const int Size = 1448;
        // Each fragment fits alone; with the first one's 8-byte hop-by-hop header the whole passes 65535.
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(2, 0, payload.AsSpan(0, Size), more: true, unfragmentable: hopByHop), out _));
        Ipv6Reassembler.Outcome outcome = Ipv6Reassembler.Outcome.Pending;
        int evicted = 0, sent = 1;
        for (int offset = Size; offset < payload.Length; offset += Size, sent++)
        {
            int length = Math.Min(Size, payload.Length - offset);
            outcome = Add(reassembler, At(0), Fragment6(2, offset, payload.AsSpan(offset, length), more: offset + length < payload.Length), out _, out evicted, out _);
        }

        Assert.Equal(Ipv6Reassembler.Outcome.Dropped, outcome);
        Assert.Equal(sent, evicted);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerAsksForAParameterProblemWhenTheFirstFragmentLacksTheUpperLayerHeader()
    {
        var reassembler = new Ipv6Reassembler();

        // RFC 7112 §5: 8 bytes of a 20-byte TCP header in the first fragment: code 3, pointer 0.
        Assert.Equal(Ipv6Reassembler.Outcome.ParameterProblem, Add(reassembler, At(0), Fragment6(1, 0, 8, more: true, nextHeader: NextTcp), out _, out _, out IcmpV6Message problem));

        Assert.Equal(IcmpV6Message.ParameterProblem(IcmpV6ParameterProblemCode.IncompleteHeaderChain, 0), problem);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerAsksForAParameterProblemWhenTheFirstFragmentStopsInsideTheChain()
    {
        var reassembler = new Ipv6Reassembler();
        // A destination options header of 16 bytes, 8 of them in the first fragment.
        byte[] data = [NextUdp, 1, 0, 0, 0, 0, 0, 0];

        Assert.Equal(Ipv6Reassembler.Outcome.ParameterProblem, Add(reassembler, At(0), Fragment6(1, 0, data, more: true, nextHeader: NextDestinationOptions), out _, out _, out IcmpV6Message problem));

        Assert.Equal(IcmpV6Message.ParameterProblem(IcmpV6ParameterProblemCode.IncompleteHeaderChain, 0), problem);
    }

    [Fact]
    public void ReassemblerTakesAFirstFragmentWithTheWholeChainAndUpperLayerHeader()
    {
        var reassembler = new Ipv6Reassembler();
        byte[] first = [.. new byte[] { NextUdp, 0, 1, 4, 0, 0, 0, 0 }, .. Pattern(8, 8)];

        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 0, first, more: true, nextHeader: NextDestinationOptions), out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Complete, Add(reassembler, At(0), Fragment6(1, 16, 3, more: false), out byte[]? packet));

        byte[] expected = Packet6([.. first, .. Pattern(16, 3)], nextHeader: NextDestinationOptions);
        Assert.Equal(expected, packet);
    }

    [Fact]
    public void ReassemblerDropsAZeroLengthNonLastFragment()
    {
        var reassembler = new Ipv6Reassembler();
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 800, 8, more: false), out _));

        Assert.Equal(Ipv6Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment6(1, 8, 0, more: true), out _, out int evicted, out _));

        Assert.Equal(1, evicted);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerDropsALastFragmentWithAConflictingLength()
    {
        var reassembler = new Ipv6Reassembler();
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 800, 232, more: false), out _));

        Assert.Equal(Ipv6Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment6(1, 808, 232, more: false), out _));
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerDropsAFragmentPastTheKnownEnd()
    {
        var reassembler = new Ipv6Reassembler();
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 800, 232, more: false), out _));

        Assert.Equal(Ipv6Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment6(1, 1032, 8, more: true), out _));
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerTimesOutAtSixtySecondsAndQuotesTheFirstFragment()
    {
        var reassembler = new Ipv6Reassembler();
        byte[] first = Fragment6(1, 0, 400, more: true);
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), first, out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(10), Fragment6(1, 800, 8, more: false), out _));
        var quotes = new List<byte[]>();
        void OnTimeout(ReadOnlySpan<byte> quote) => quotes.Add(quote.ToArray());

        // RFC 8200 §4.5: 60 s from the first-arriving fragment.
        Assert.Equal(At(60), reassembler.PollAt());
        Assert.Equal(0, reassembler.Expire(At(59.999999), OnTimeout));
        Assert.Empty(quotes);

        Assert.Equal(2, reassembler.Expire(At(60), OnTimeout));

        Assert.Equal(first, Assert.Single(quotes));
        Assert.Equal(0, reassembler.InProgress);
        Assert.Null(reassembler.PollAt());
    }

    [Fact]
    public void ReassemblerTimeoutQuotesAsMuchOfALargeFirstFragmentAsAnErrorHolds()
    {
        var reassembler = new Ipv6Reassembler();
        byte[] first = Fragment6(1, 0, 1448, more: true);
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), first, out _));
        var quotes = new List<byte[]>();

        reassembler.Expire(At(60), quote => quotes.Add(quote.ToArray()));

        // RFC 4443 §3.3: as much of the invoking packet as fits the 1280-byte minimum MTU.
        byte[] quoted = Assert.Single(quotes);
        Assert.Equal(1280 - 40 - 8, quoted.Length);
        Assert.Equal(first[..quoted.Length], quoted);
    }

    [Fact]
    public void ReassemblerTimeoutWithoutTheFirstFragmentDoesNotCallTheHandler()
    {
        var reassembler = new Ipv6Reassembler();
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 400, 400, more: true), out _));
        int calls = 0;

        Assert.Equal(1, reassembler.Expire(At(60), _ => calls++));

        Assert.Equal(0, calls);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerTimeoutFollowsTheOptions()
    {
        var reassembler = new Ipv6Reassembler(new ReassemblyOptions { Ipv6Timeout = TimeSpan.FromSeconds(5) });
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(1), Fragment6(1, 0, 8, more: true), out _));

        Assert.Equal(At(6), reassembler.PollAt());
        Assert.Equal(1, reassembler.Expire(At(6), null));
    }

    [Fact]
    public void ReassemblerKeysBySourceDestinationAndIdentification()
    {
        var reassembler = new Ipv6Reassembler();
        Ipv6Address other = Ipv6Address.FromIPAddress(System.Net.IPAddress.Parse("fd00:0:0:2::2"));
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 0, 8, more: true), out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, 0, Pattern(0, 8), more: true, source: other), out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(0x10001, 0, 8, more: true), out _));
        Assert.Equal(3, reassembler.InProgress);

        // RFC 8200 §4.5: the Next Header of a non-first fragment is not part of the key; the first's is used.
        Assert.Equal(Ipv6Reassembler.Outcome.Complete, Add(reassembler, At(0), Fragment6(1, 8, 4, more: false, nextHeader: NextTcp), out byte[]? packet));
        Assert.Equal(Packet6(Pattern(0, 12)), packet);
        Assert.Equal(2, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerKeepsTheHopLimitOfTheFirstFragment()
    {
        var reassembler = new Ipv6Reassembler();
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(5, 8, Pattern(8, 8), more: false, hopLimit: 3), out _));

        Assert.Equal(Ipv6Reassembler.Outcome.Complete, Add(reassembler, At(0), Fragment6(5, 0, Pattern(0, 8), more: true, hopLimit: 17), out byte[]? packet));

        Assert.Equal(Packet6(Pattern(0, 16), hopLimit: 17), packet);
    }

    [Fact]
    public void ReassemblerHoldsAtMostMaxDatagramsUnderAThousandIncompleteOnes()
    {
        var options = new ReassemblyOptions();
        var reassembler = new Ipv6Reassembler(options);
        int evictedTotal = 0;

        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(i * 0.001), Fragment6((uint)i, 0, 16, more: true), out _, out int evicted, out _));
            evictedTotal += evicted;
            Assert.InRange(reassembler.InProgress, 1, options.MaxDatagrams);
        }

        Assert.Equal(1000 - options.MaxDatagrams, evictedTotal);
        // The newest survive: the last packet can still complete, the first cannot.
        Assert.Equal(Ipv6Reassembler.Outcome.Complete, Add(reassembler, At(1), Fragment6(999, 16, 1, more: false), out _));
        Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(1), Fragment6(0, 16, 1, more: false), out _));
    }

    [Fact]
    public void ReassemblerEnforcesMaxFragmentsPerDatagram()
    {
        var reassembler = new Ipv6Reassembler(new ReassemblyOptions { MaxFragmentsPerDatagram = 4 });
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(Ipv6Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment6(1, i * 8, 8, more: true), out _));
        }

        Assert.Equal(Ipv6Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment6(1, 32, 8, more: false), out _, out int evicted, out _));

        Assert.Equal(4, evicted);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerAllocatesNothingPerPacketInSteadyState()
    {
        var reassembler = new Ipv6Reassembler();
        byte[][] fragments = ScapyFragments();
        int completed = 0;
        ReassembleAll(reassembler, fragments, 0, ref completed); // warm the pools

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i <= 200; i++)
        {
            ReassembleAll(reassembler, fragments, i, ref completed);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(201, completed);
        Assert.Equal(0, allocated);
    }

    private static void ReassembleAll(Ipv6Reassembler reassembler, byte[][] fragments, int round, ref int completed)
    {
        for (int f = fragments.Length - 1; f >= 0; f--)
        {
            Ipv6Packet.TryCreate(fragments[f], out Ipv6Packet view);
            Ipv6HeaderChain chain = Ipv6HeaderChain.Walk(view);
            if (reassembler.Add(Instant.FromMilliseconds(round), view, chain, out PacketBuffer? packet, out _, out _) == Ipv6Reassembler.Outcome.Complete)
            {
                completed++;
                packet!.Dispose();
            }
        }
    }

    [Fact]
    public void ReassemblerNeverThrowsOnRandomFragments()
    {
        var random = new Random(8200);
        var options = new ReassemblyOptions { MaxDatagrams = 4, MaxFragmentsPerDatagram = 8 };
        var reassembler = new Ipv6Reassembler(options);
        for (int i = 0; i < 20_000; i++)
        {
            Instant now = Instant.FromMilliseconds(i * 13);
            int offset = random.Next(3) == 0 ? 8 * random.Next(0, 0x2000) : 8 * random.Next(0, 16);
            int length = random.Next(3) == 0 ? random.Next(0, 2000) : 8 * random.Next(0, 4);
            byte next = random.Next(4) switch { 0 => NextTcp, 1 => NextDestinationOptions, 2 => NextIcmpV6, _ => NextUdp };
            byte[] fragment = Fragment6((uint)random.Next(6), offset, FragmentBuilder.Pattern(offset, length), more: random.Next(3) != 0, nextHeader: next);
            Add(reassembler, now, fragment, out _, out int evicted, out _);
            Assert.True(evicted >= 0);
            Assert.True(reassembler.InProgress <= options.MaxDatagrams);
            if (random.Next(50) == 0)
            {
                Assert.True(reassembler.Expire(now, quote => Assert.InRange(quote.Length, Ipv6Header.Length + 8, 1232)) >= 0);
            }
        }
    }
}
