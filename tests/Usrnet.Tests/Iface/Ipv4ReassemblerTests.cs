using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Tests.Wire;
using Usrnet.Wire;
using static Usrnet.Tests.Iface.FragmentBuilder;

namespace Usrnet.Tests.Iface;

public sealed class Ipv4ReassemblerTests
{
    private static Instant At(double seconds) => Instant.FromSeconds(seconds);

    private static Ipv4Reassembler.Outcome Add(Ipv4Reassembler reassembler, Instant now, byte[] fragment, out byte[]? datagram) =>
        Add(reassembler, now, fragment, out datagram, out _);

    private static Ipv4Reassembler.Outcome Add(Ipv4Reassembler reassembler, Instant now, byte[] fragment, out byte[]? datagram, out int evicted)
    {
        Assert.True(Ipv4Packet.TryCreate(fragment, out Ipv4Packet packet));
        Ipv4Reassembler.Outcome outcome = reassembler.Add(now, packet, out PacketBuffer? buffer, out evicted);
        Assert.Equal(outcome == Ipv4Reassembler.Outcome.Complete, buffer is not null);
        datagram = buffer?.Span.ToArray();
        buffer?.Dispose();
        return outcome;
    }

    [Fact]
    public void ReassemblerRebuildsTheExactBytesOfScapysFragmentedDatagram()
    {
        var reassembler = new Ipv4Reassembler();
        byte[][] fragments = PacketFixtures.Fragments();

        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), fragments[0], out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), fragments[1], out _));
        Assert.Equal(1, reassembler.InProgress);
        Assert.Equal(Ipv4Reassembler.Outcome.Complete, Add(reassembler, At(0), fragments[2], out byte[]? datagram));

        Assert.Equal(PacketFixtures.FragmentedDatagram(), datagram);
        Assert.Equal(0, reassembler.InProgress);
        Assert.Null(reassembler.PollAt());
    }

    [Theory]
    [InlineData(0, 1, 2)]
    [InlineData(0, 2, 1)]
    [InlineData(1, 0, 2)]
    [InlineData(1, 2, 0)]
    [InlineData(2, 0, 1)]
    [InlineData(2, 1, 0)]
    public void ReassemblerCompletesInAnyOrder(int first, int second, int third)
    {
        var reassembler = new Ipv4Reassembler();
        byte[][] fragments = PacketFixtures.Fragments();

        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), fragments[first], out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0.1), fragments[second], out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Complete, Add(reassembler, At(0.2), fragments[third], out byte[]? datagram));

        Assert.Equal(PacketFixtures.FragmentedDatagram(), datagram);
        Assert.True(Ipv4Header.TryParse(datagram, out Ipv4Header header, out _));
        Assert.False(header.MoreFragments);
        Assert.Equal(0, header.FragmentOffset);
        Assert.Equal(0xBEEF, header.Identification);
    }

    [Fact]
    public void ReassemblerCompletesManyFragmentsInReverseOrder()
    {
        var reassembler = new Ipv4Reassembler();
        byte[] payload = Pattern(0, 8 * 40 + 5);
        for (int offset = 8 * 40; offset >= 0; offset -= 8)
        {
            bool last = offset == 8 * 40;
            byte[] fragment = Fragment(7, offset, payload.AsSpan(offset, last ? 5 : 8), more: !last);
            Ipv4Reassembler.Outcome outcome = Add(reassembler, At(0), fragment, out byte[]? datagram);
            if (offset > 0)
            {
                Assert.Equal(Ipv4Reassembler.Outcome.Pending, outcome);
            }
            else
            {
                Assert.Equal(Ipv4Reassembler.Outcome.Complete, outcome);
                Assert.Equal(Datagram(7, payload), datagram);
            }
        }
    }

    [Fact]
    public void ReassemblerIgnoresAnExactDuplicate()
    {
        var reassembler = new Ipv4Reassembler();
        byte[][] fragments = PacketFixtures.Fragments();

        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), fragments[0], out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Duplicate, Add(reassembler, At(0), fragments[0], out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), fragments[2], out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Duplicate, Add(reassembler, At(0), fragments[2], out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Complete, Add(reassembler, At(0), fragments[1], out byte[]? datagram));

        Assert.Equal(PacketFixtures.FragmentedDatagram(), datagram);
    }

    [Theory]
    [InlineData(392, 408)]  // starts inside the first fragment
    [InlineData(0, 408)]    // same start, longer
    [InlineData(0, 8)]      // same start, shorter
    [InlineData(8, 8)]      // wholly inside
    [InlineData(392, 8)]    // the last eight bytes again
    public void ReassemblerDropsTheDatagramOnAPartialOverlap(int offset, int length)
    {
        var reassembler = new Ipv4Reassembler();
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 0, 400, more: true), out _));

        Assert.Equal(Ipv4Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment(1, offset, length, more: true), out _, out int evicted));

        Assert.Equal(1, evicted);
        Assert.Equal(0, reassembler.InProgress);
        // What comes after starts a new datagram that lacks the dropped part.
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 400, 16, more: false), out _));
    }

    [Fact]
    public void ReassemblerDropsALastFragmentWithAConflictingTotalLength()
    {
        var reassembler = new Ipv4Reassembler();
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 800, 232, more: false), out _));

        Assert.Equal(Ipv4Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment(1, 808, 232, more: false), out _));
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerDropsAFragmentPastTheKnownEnd()
    {
        var reassembler = new Ipv4Reassembler();
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 800, 232, more: false), out _));

        Assert.Equal(Ipv4Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment(1, 1032, 8, more: true), out _));
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerDropsALastFragmentThatEndsBeforeDataAlreadyHeld()
    {
        var reassembler = new Ipv4Reassembler();
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 800, 400, more: true), out _));

        Assert.Equal(Ipv4Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment(1, 400, 400, more: false), out _));
        Assert.Equal(0, reassembler.InProgress);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(7)]
    [InlineData(1)]
    [InlineData(0)]
    public void ReassemblerDropsANonLastFragmentWhoseLengthIsNotAMultipleOfEight(int length)
    {
        var reassembler = new Ipv4Reassembler();
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 800, 8, more: true), out _));

        Assert.Equal(Ipv4Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment(1, 0, length, more: true), out _, out int evicted));

        Assert.Equal(1, evicted);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Theory]
    [InlineData(65512, 8, false)]    // ends at 65520
    [InlineData(65528, 100, false)]  // the largest offset: the ping of death
    [InlineData(65504, 16, true)]    // ends at 65520 with more to come
    [InlineData(0, 65516 - 20, false)]
    public void ReassemblerDropsAFragmentEndingPast65515(int offset, int length, bool more)
    {
        var reassembler = new Ipv4Reassembler();
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 8, 8, more: true), out _));

        Assert.Equal(Ipv4Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment(1, offset, length, more), out _));

        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerAcceptsAFragmentEndingExactlyAt65515()
    {
        var reassembler = new Ipv4Reassembler();

        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 65512, 3, more: false), out _));
        Assert.Equal(1, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerRebuildsTheLargestDatagram()
    {
        var reassembler = new Ipv4Reassembler();
        byte[] payload = Pattern(0, 65515);
        byte[]? datagram = null;
        const int Size = 1480;
        int count = 0;
        for (int offset = 0; offset < payload.Length; offset += Size)
        {
            int length = Math.Min(Size, payload.Length - offset);
            Ipv4Reassembler.Outcome outcome = Add(reassembler, At(0), Fragment(9, offset, payload.AsSpan(offset, length), more: offset + length < payload.Length), out datagram);
            count++;
            Assert.Equal(offset + length < payload.Length ? Ipv4Reassembler.Outcome.Pending : Ipv4Reassembler.Outcome.Complete, outcome);
        }

        Assert.Equal(45, count);
        Assert.Equal(Datagram(9, payload), datagram);
        Assert.Equal(65535, datagram!.Length);
    }

    [Fact]
    public void ReassemblerTimesOutAtThirtySecondsAndQuotesTheFirstFragment()
    {
        var reassembler = new Ipv4Reassembler();
        byte[] first = Fragment(1, 0, 400, more: true);
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), first, out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(10), Fragment(1, 800, 8, more: false), out _));
        var quotes = new List<byte[]>();
        void OnTimeout(ReadOnlySpan<byte> quote) => quotes.Add(quote.ToArray());

        Assert.Equal(At(30), reassembler.PollAt());
        Assert.Equal(0, reassembler.Expire(At(29.999999), OnTimeout));
        Assert.Empty(quotes);
        Assert.Equal(1, reassembler.InProgress);

        Assert.Equal(2, reassembler.Expire(At(30), OnTimeout));

        byte[] quoted = Assert.Single(quotes);
        Assert.Equal(first[..28], quoted);
        Assert.Equal(0, reassembler.InProgress);
        Assert.Null(reassembler.PollAt());
    }

    [Fact]
    public void ReassemblerTimeoutWithoutFragmentZeroDoesNotCallTheHandler()
    {
        var reassembler = new Ipv4Reassembler();
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 400, 400, more: true), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 800, 8, more: false), out _));
        int calls = 0;

        Assert.Equal(2, reassembler.Expire(At(30), _ => calls++));

        Assert.Equal(0, calls);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerTimeoutQuotesTheWholeOfTheShortestFragmentZero()
    {
        // A fragment zero with more to come holds a non-zero multiple of 8 bytes: 8 at the least.
        var reassembler = new Ipv4Reassembler();
        byte[] first = Fragment(1, 0, 8, more: true);
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), first, out _));
        var quotes = new List<byte[]>();

        reassembler.Expire(At(30), quote => quotes.Add(quote.ToArray()));

        Assert.Equal(first, Assert.Single(quotes));
    }

    [Fact]
    public void ReassemblerTimeoutCountsFromTheFirstFragment()
    {
        var reassembler = new Ipv4Reassembler();
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(5), Fragment(1, 0, 8, more: true), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(20), Fragment(1, 16, 8, more: false), out _));

        Assert.Equal(At(35), reassembler.PollAt());
        Assert.Equal(0, reassembler.Expire(At(34.9), null));
        Assert.Equal(2, reassembler.Expire(At(35), null));
    }

    [Fact]
    public void ReassemblerPollAtIsTheEarliestDeadline()
    {
        var reassembler = new Ipv4Reassembler();
        Assert.Null(reassembler.PollAt());
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(3), Fragment(1, 0, 8, more: true), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(1), Fragment(2, 0, 8, more: true), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(2), Fragment(3, 0, 8, more: true), out _));

        Assert.Equal(At(31), reassembler.PollAt());
        Assert.Equal(1, reassembler.Expire(At(31), null));
        Assert.Equal(At(32), reassembler.PollAt());
    }

    [Fact]
    public void ReassemblerKeepsDatagramsWithDifferentKeysApart()
    {
        var reassembler = new Ipv4Reassembler();
        byte[] fromOther = Fragment(1, 0, Pattern(0, 8), more: true, source: new Ipv4Address(10, 0, 0, 1));

        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, 0, 8, more: true), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), fromOther, out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(2, 0, 8, more: true), out _));
        Assert.Equal(3, reassembler.InProgress);

        Assert.Equal(Ipv4Reassembler.Outcome.Complete, Add(reassembler, At(0), Fragment(1, 8, 4, more: false), out byte[]? datagram));
        Assert.Equal(Datagram(1, Pattern(0, 12)), datagram);
        Assert.Equal(2, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerKeepsTheTtlAndTypeOfServiceOfTheFirstFragment()
    {
        var reassembler = new Ipv4Reassembler();
        byte[] first = Fragment(5, 0, Pattern(0, 8), more: true, ttl: 17);
        first[1] = 0xB8; // DSCP EF
        Assert.True(Ipv4Packet.TryCreate(first, out Ipv4Packet view));
        view.FillChecksum();

        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(5, 8, Pattern(8, 8), more: false, ttl: 3), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Complete, Add(reassembler, At(0), first, out byte[]? datagram));

        Assert.True(Ipv4Header.TryParse(datagram, out Ipv4Header header, out _));
        Assert.Equal(17, header.TimeToLive);
        Assert.Equal(0xB8, header.TypeOfService);
        Assert.Equal(16, header.PayloadLength);
    }

    [Fact]
    public void ReassemblerSkipsTheOptionsOfTheFirstFragment()
    {
        var reassembler = new Ipv4Reassembler();
        byte[] routerAlert = [0x94, 0x04, 0x00, 0x00];

        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(6, 0, Pattern(0, 16), more: true, options: routerAlert), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Complete, Add(reassembler, At(0), Fragment(6, 16, Pattern(16, 4), more: false), out byte[]? datagram));

        Assert.Equal(Datagram(6, Pattern(0, 20)), datagram);
    }

    [Fact]
    public void ReassemblerHoldsAtMostMaxDatagramsUnderAThousandIncompleteOnes()
    {
        var options = new ReassemblyOptions();
        var reassembler = new Ipv4Reassembler(options);
        int evictedTotal = 0;

        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(i * 0.001), Fragment((ushort)i, 0, 16, more: true), out _, out int evicted));
            evictedTotal += evicted;
            Assert.True(reassembler.InProgress <= options.MaxDatagrams);
            Assert.Equal(i < options.MaxDatagrams ? 0 : 1, evicted);
        }

        Assert.Equal(options.MaxDatagrams, reassembler.InProgress);
        Assert.Equal(1000 - options.MaxDatagrams, evictedTotal);
        // The newest survive: the last datagram can still complete, the first cannot.
        Assert.Equal(Ipv4Reassembler.Outcome.Complete, Add(reassembler, At(1), Fragment(999, 16, 1, more: false), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(1), Fragment(0, 16, 1, more: false), out _));
    }

    [Fact]
    public void ReassemblerEvictsTheOldestDatagramToMakeRoom()
    {
        var reassembler = new Ipv4Reassembler(new ReassemblyOptions { MaxDatagrams = 2 });
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(2), Fragment(1, 0, 8, more: true), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(1), Fragment(2, 0, 8, more: true), out _));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(1), Fragment(2, 8, 8, more: true), out _));

        Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(3), Fragment(3, 0, 8, more: true), out _, out int evicted));

        Assert.Equal(2, evicted); // datagram 2 started earliest
        Assert.Equal(Ipv4Reassembler.Outcome.Complete, Add(reassembler, At(3), Fragment(1, 8, 1, more: false), out _));
    }

    [Fact]
    public void ReassemblerEnforcesMaxFragmentsPerDatagram()
    {
        var reassembler = new Ipv4Reassembler(new ReassemblyOptions { MaxFragmentsPerDatagram = 4 });
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, i * 8, 8, more: true), out _));
        }

        Assert.Equal(Ipv4Reassembler.Outcome.Dropped, Add(reassembler, At(0), Fragment(1, 32, 8, more: false), out _, out int evicted));

        Assert.Equal(4, evicted);
        Assert.Equal(0, reassembler.InProgress);
    }

    [Fact]
    public void ReassemblerCompletesADatagramOfExactlyMaxFragmentsPerDatagram()
    {
        var reassembler = new Ipv4Reassembler(new ReassemblyOptions { MaxFragmentsPerDatagram = 4 });
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Ipv4Reassembler.Outcome.Pending, Add(reassembler, At(0), Fragment(1, i * 8, 8, more: true), out _));
        }
        // A duplicate does not use up a place.
        Assert.Equal(Ipv4Reassembler.Outcome.Duplicate, Add(reassembler, At(0), Fragment(1, 8, 8, more: true), out _));

        Assert.Equal(Ipv4Reassembler.Outcome.Complete, Add(reassembler, At(0), Fragment(1, 24, 3, more: false), out byte[]? datagram));
        Assert.Equal(Datagram(1, Pattern(0, 27)), datagram);
    }

    [Fact]
    public void ReassemblerRebuildsRandomlyFragmentedDatagramsExactly()
    {
        var random = new Random(791);
        var reassembler = new Ipv4Reassembler();
        for (int trial = 0; trial < 300; trial++)
        {
            var id = (ushort)trial;
            byte[] payload = new byte[random.Next(9, 6000)];
            random.NextBytes(payload);
            var fragments = new List<byte[]>();
            int offset = 0;
            while (offset < payload.Length)
            {
                int length = Math.Min(payload.Length - offset, 8 * random.Next(1, 100));
                bool more = offset + length < payload.Length;
                fragments.Add(Fragment(id, offset, payload.AsSpan(offset, length), more));
                offset += length;
            }
            if (fragments.Count == 1)
            {
                continue; // not fragmented at all
            }
            // Shuffle, and send a few again before the end (a duplicating link).
            byte[][] order = [.. fragments.OrderBy(_ => random.Next())];
            var sent = new HashSet<byte[]>();
            byte[]? datagram = null;
            for (int i = 0; i < order.Length; i++)
            {
                if (sent.Count > 0 && random.Next(4) == 0)
                {
                    Assert.Equal(Ipv4Reassembler.Outcome.Duplicate, Add(reassembler, At(trial), sent.First(), out _));
                }
                Ipv4Reassembler.Outcome outcome = Add(reassembler, At(trial), order[i], out datagram);
                sent.Add(order[i]);
                Assert.Equal(i == order.Length - 1 ? Ipv4Reassembler.Outcome.Complete : Ipv4Reassembler.Outcome.Pending, outcome);
            }
            Assert.Equal(Datagram(id, payload), datagram);
            Assert.Equal(0, reassembler.InProgress);
        }
    }

    [Fact]
    public void ReassemblerNeverThrowsOnRandomFragments()
    {
        var random = new Random(815);
        var options = new ReassemblyOptions { MaxDatagrams = 4, MaxFragmentsPerDatagram = 8 };
        var reassembler = new Ipv4Reassembler(options);
        for (int i = 0; i < 20_000; i++)
        {
            Instant now = Instant.FromMilliseconds(i * 7);
            int offset = random.Next(3) == 0 ? 8 * random.Next(0, 0x2000) : 8 * random.Next(0, 16);
            int length = random.Next(3) == 0 ? random.Next(0, 2000) : 8 * random.Next(0, 4);
            byte[] fragment = Fragment((ushort)random.Next(6), offset, length, more: random.Next(3) != 0);
            Add(reassembler, now, fragment, out _, out int evicted);
            Assert.True(evicted >= 0);
            Assert.True(reassembler.InProgress <= options.MaxDatagrams);
            if (random.Next(50) == 0)
            {
                Assert.True(reassembler.Expire(now, quote => Assert.InRange(quote.Length, Ipv4Header.Length, Ipv4Header.Length + 8)) >= 0);
            }
        }
    }
}
