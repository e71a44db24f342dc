using System.Diagnostics;
using System.Numerics;
using Usrnet.Phy;
using static Usrnet.Tests.Phy.TestFrames;

namespace Usrnet.Tests.Phy;

/// <summary>
/// The injector sits on end A of a memory link: frames sent by <c>peer</c> (end B) test the receive
/// direction, frames the injector transmits arrive at <c>peer</c>.
/// </summary>
[Collection(AllocationMeasuringCollection.Name)]
public sealed class FaultInjectorDeviceTests
{
    private static readonly Instant s_t0 = Instant.FromSeconds(100);

    private static (FaultInjectorDevice Faults, IDevice Peer) Create(FaultOptions options, int queueCapacity = 20_000)
    {
        MemoryLink link = new(queueCapacity);
        return (new FaultInjectorDevice(link.A, options), link.B);
    }

    private static void SendFromPeer(IDevice peer, int count, int length = MinimumLength, int first = 0)
    {
        for (int i = first; i < first + count; i++)
        {
            Assert.True(peer.Transmit(s_t0, Numbered(i, length)));
        }
    }

    [Fact]
    public void WithEveryChanceZeroFramesPassUnchangedInBothDirections()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { Seed = 1 });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 100);
            for (int i = 0; i < 100; i++)
            {
                Assert.True(faults.Transmit(s_t0, Numbered(i)));
            }

            Assert.Equal(Enumerable.Range(0, 100).Select(i => NumberedBytes(i)), DrainBytes(faults, s_t0));
            Assert.Equal(Enumerable.Range(0, 100).Select(i => NumberedBytes(i)), DrainBytes(peer, s_t0));
            Assert.Equal(default, faults.Counters);
            Assert.Null(faults.PollAt(s_t0));
        }
    }

    [Fact]
    public void WithDropChanceOneEveryFrameIsLostYetTheSenderIsNotTold()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { DropChance = 1 });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 50);
            for (int i = 0; i < 50; i++)
            {
                Assert.True(faults.Transmit(s_t0, Numbered(i)));
            }

            Assert.Empty(DrainBytes(faults, s_t0));
            Assert.Empty(DrainBytes(peer, s_t0));
            Assert.Equal(new FaultCounters { Dropped = 100 }, faults.Counters);
        }
    }

    [Fact]
    public void WithCorruptChanceOneEveryFrameHasExactlyOneBitFlipped()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { CorruptChance = 1, Seed = 7 });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 50, length: 300);
            for (int i = 0; i < 50; i++)
            {
                faults.Transmit(s_t0, Numbered(i, 300));
            }

            List<byte[]> received = DrainBytes(faults, s_t0);
            List<byte[]> sent = DrainBytes(peer, s_t0);

            Assert.Equal(50, received.Count);
            Assert.Equal(50, sent.Count);
            for (int i = 0; i < 50; i++)
            {
                Assert.Equal(1, FlippedBits(NumberedBytes(i, 300), received[i]));
                Assert.Equal(1, FlippedBits(NumberedBytes(i, 300), sent[i]));
            }
            Assert.Equal(new FaultCounters { Corrupted = 100 }, faults.Counters);
        }
    }

    [Fact]
    public void WithDuplicateChanceOneEveryFrameArrivesTwice()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { DuplicateChance = 1 });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 3);
            for (int i = 0; i < 3; i++)
            {
                faults.Transmit(s_t0, Numbered(i));
            }

            Assert.Equal([0, 0, 1, 1, 2, 2], DrainNumbers(faults, s_t0));
            Assert.Equal([0, 0, 1, 1, 2, 2], DrainNumbers(peer, s_t0));
            Assert.Equal(new FaultCounters { Duplicated = 6 }, faults.Counters);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameFaultsAndAnotherSeedDoesNot()
    {
        FaultOptions options = new()
        {
            DropChance = 0.1,
            CorruptChance = 0.1,
            DuplicateChance = 0.1,
            ReorderChance = 0.1,
            Delay = TimeSpan.FromMilliseconds(3),
            RateLimitBytesPerSecond = 300_000, // below the ~550 bytes per millisecond offered
            RateLimitBurstBytes = 10_000,
            Seed = 42,
        };

        (List<byte[]> Frames, FaultCounters Counters) first = Run(options);
        (List<byte[]> Frames, FaultCounters Counters) second = Run(options);
        (List<byte[]> Frames, FaultCounters Counters) other = Run(options with { Seed = 43 });

        Assert.Equal(first.Counters, second.Counters);
        Assert.Equal(first.Frames, second.Frames);
        Assert.NotEqual(first.Frames, other.Frames);
        // Every kind of fault happened, so the comparison covers them all.
        Assert.All([first.Counters.Dropped, first.Counters.Corrupted, first.Counters.Duplicated, first.Counters.Reordered,
            first.Counters.Delayed, first.Counters.RateLimited], count => Assert.True(count > 0));

        static (List<byte[]>, FaultCounters) Run(FaultOptions options)
        {
            (FaultInjectorDevice faults, IDevice peer) = Create(options);
            using (faults)
            using (peer)
            {
                List<byte[]> seen = [];
                for (int step = 0; step < 2000; step++)
                {
                    Instant now = s_t0 + TimeSpan.FromMilliseconds(step);
                    Assert.True(peer.Transmit(now, Numbered(step, 100 + (step % 900))));
                    faults.Transmit(now, Numbered(-step, 100 + (step % 700)));
                    seen.AddRange(DrainBytes(faults, now));
                    seen.AddRange(DrainBytes(peer, now));
                }
                return (seen, faults.Counters);
            }
        }
    }

    /// <summary>
    /// Which frames a direction loses follows from the seed and that direction's frames alone: a busy machine
    /// that interleaves sends and receives differently (replies read before or after the next send) must not
    /// change which requests a seed drops, or <c>--seed</c> would not repeat a run.
    /// </summary>
    [Fact]
    public void EachDirectionsFaultsDoNotDependOnHowTheOtherDirectionInterleaves()
    {
        FaultOptions options = new() { DropChance = 0.3, CorruptChance = 0.1, Seed = 1 };

        (List<int> Received, List<int> Sent) alternating = Run(options, batch: 1);
        (List<int> Received, List<int> Sent) batched = Run(options, batch: 25);

        Assert.Equal(alternating.Received, batched.Received);
        Assert.Equal(alternating.Sent, batched.Sent);
        Assert.InRange(alternating.Received.Count, 1, 99);

        // Every `batch` steps: `batch` frames each way, receives drained first or sends first by turns.
        static (List<int>, List<int>) Run(FaultOptions options, int batch)
        {
            (FaultInjectorDevice faults, IDevice peer) = Create(options);
            using (faults)
            using (peer)
            {
                List<int> received = [];
                List<int> sent = [];
                for (int first = 0; first < 100; first += batch)
                {
                    SendFromPeer(peer, batch, first: first);
                    if (first / batch % 2 == 0)
                    {
                        received.AddRange(DrainNumbers(faults, s_t0));
                    }
                    for (int i = first; i < first + batch; i++)
                    {
                        faults.Transmit(s_t0, Numbered(i));
                    }
                    received.AddRange(DrainNumbers(faults, s_t0));
                    sent.AddRange(DrainNumbers(peer, s_t0));
                }
                return (received, sent);
            }
        }
    }

    [Fact]
    public void ADropChanceOfOneTenthDropsAboutOneFrameInTen()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { DropChance = 0.1, Seed = 12345 });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 10_000);

            int received = DrainNumbers(faults, s_t0).Count;

            // Binomial(10000, 0.1): mean 1000, standard deviation 30; allow five.
            Assert.InRange(faults.Counters.Dropped, 850, 1150);
            Assert.Equal(10_000 - faults.Counters.Dropped, received);
        }
    }

    [Fact]
    public void ADelayedFrameIsReleasedAtTheRightVirtualInstant()
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(50);
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { Delay = delay });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 2);

            Assert.Null(faults.Receive(s_t0));
            Assert.Equal(s_t0 + delay, faults.PollAt(s_t0));
            Assert.Null(faults.Receive(s_t0 + delay - TimeSpan.FromMicroseconds(1)));
            Assert.Equal([0, 1], DrainNumbers(faults, s_t0 + delay));
            Assert.Null(faults.PollAt(s_t0 + delay));
            Assert.Equal(new FaultCounters { Delayed = 2 }, faults.Counters);
        }
    }

    [Fact]
    public void DelayDoesNotApplyToTransmittedFrames()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { Delay = TimeSpan.FromSeconds(1) });
        using (faults)
        using (peer)
        {
            faults.Transmit(s_t0, Numbered(1));

            Assert.Equal([1], DrainNumbers(peer, s_t0));
        }
    }

    [Fact]
    public void FramesBeyondTheRateAreDroppedAndTheBucketRefillsWithTime()
    {
        FaultOptions options = new() { RateLimitBytesPerSecond = 1000, RateLimitBurstBytes = 1500 };
        (FaultInjectorDevice faults, IDevice peer) = Create(options);
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 20, length: 100);
            for (int i = 0; i < 20; i++)
            {
                Assert.True(faults.Transmit(s_t0, Numbered(i, 100)));
            }

            // A full bucket of 1500 bytes passes 15 frames of 100 bytes in each direction.
            Assert.Equal(Enumerable.Range(0, 15), DrainNumbers(faults, s_t0));
            Assert.Equal(Enumerable.Range(0, 15), DrainNumbers(peer, s_t0));
            Assert.Equal(10, faults.Counters.RateLimited);

            // One second later 1000 bytes more have trickled in: 10 frames.
            Instant later = s_t0 + TimeSpan.FromSeconds(1);
            SendFromPeer(peer, 20, length: 100, first: 100);
            Assert.Equal(Enumerable.Range(100, 10), DrainNumbers(faults, later));
            Assert.Equal(20, faults.Counters.RateLimited);
        }
    }

    [Fact]
    public void AFrameLongerThanTheBucketNeverPasses()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { RateLimitBytesPerSecond = 1_000_000, RateLimitBurstBytes = 1000 });
        using (faults)
        using (peer)
        {
            faults.Transmit(s_t0, Numbered(1, 1001));
            faults.Transmit(s_t0 + TimeSpan.FromSeconds(10), Numbered(2, 1001));

            Assert.Empty(DrainNumbers(peer, s_t0 + TimeSpan.FromSeconds(10)));
            Assert.Equal(2, faults.Counters.RateLimited);
        }
    }

    [Fact]
    public void ReorderDeliversAHeldFrameRightAfterTheNextOne()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { ReorderChance = 1 });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 6);

            Assert.Equal([1, 0, 3, 2, 5, 4], DrainNumbers(faults, s_t0));
            Assert.Equal(new FaultCounters { Reordered = 3 }, faults.Counters);
        }
    }

    [Fact]
    public void AFrameHeldForReorderingIsDeliveredAtTheTimeoutWhenNoOtherFrameComes()
    {
        TimeSpan timeout = TimeSpan.FromMilliseconds(20);
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { ReorderChance = 1, ReorderTimeout = timeout });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 1);

            Assert.Null(faults.Receive(s_t0));
            Assert.Equal(s_t0 + timeout, faults.PollAt(s_t0));
            Assert.Null(faults.Receive(s_t0 + timeout - TimeSpan.FromMicroseconds(1)));
            Assert.Equal([0], DrainNumbers(faults, s_t0 + timeout));
            Assert.Equal(default, faults.Counters);
        }
    }

    [Fact]
    public void ReorderAndDelayTogetherStillReleaseEveryFrame()
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(5);
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { ReorderChance = 0.5, Delay = delay, Seed = 3 });
        using (faults)
        using (peer)
        {
            List<int> received = [];
            for (int step = 0; step < 1000; step++)
            {
                Instant now = s_t0 + TimeSpan.FromMilliseconds(step);
                peer.Transmit(now, Numbered(step));
                received.AddRange(DrainNumbers(faults, now));
            }
            received.AddRange(DrainNumbers(faults, s_t0 + TimeSpan.FromSeconds(10)));

            Assert.Equal(Enumerable.Range(0, 1000), received.Order());
            Assert.NotEqual(Enumerable.Range(0, 1000), received);
            Assert.True(faults.Counters.Reordered > 0);
            Assert.Equal(1000, faults.Counters.Delayed);
        }
    }

    [Fact]
    public void HeldFramesBeyondTheLimitAreDropped()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { Delay = TimeSpan.FromSeconds(1), MaxHeldFrames = 8 });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 10);

            Assert.Null(faults.Receive(s_t0));
            Assert.Equal(Enumerable.Range(0, 8), DrainNumbers(faults, s_t0 + TimeSpan.FromSeconds(1)));
            Assert.Equal(2, faults.Counters.Dropped);
        }
    }

    [Fact]
    public void WaitReturnsNoLaterThanTheNextRelease()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { Delay = TimeSpan.FromMilliseconds(50) });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 1);
            Assert.Null(faults.Receive(s_t0));
            faults.Wait(TimeSpan.Zero); // the inner link still signals the frame the injector now holds

            Stopwatch clock = Stopwatch.StartNew();
            faults.Wait(TimeSpan.FromSeconds(10));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Wait took {clock.Elapsed}");
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(40), $"Wait returned before the release: {clock.Elapsed}");
        }
    }

    [Fact]
    public void WaitReturnsAtOnceWhenAHeldFrameIsAlreadyDue()
    {
        (FaultInjectorDevice faults, IDevice peer) = Create(new FaultOptions { DuplicateChance = 1 });
        using (faults)
        using (peer)
        {
            SendFromPeer(peer, 1);
            Assert.NotNull(faults.Receive(s_t0)); // the copy stays held, due now
            Assert.Equal(s_t0, faults.PollAt(s_t0));

            Stopwatch clock = Stopwatch.StartNew();
            faults.Wait(TimeSpan.FromSeconds(10));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Wait took {clock.Elapsed}");
        }
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void ChancesOutsideZeroToOneAreRejected(double chance)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { DropChance = chance });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { CorruptChance = chance });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { DuplicateChance = chance });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { ReorderChance = chance });
    }

    [Fact]
    public void OtherInvalidOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { Delay = TimeSpan.FromTicks(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { ReorderTimeout = TimeSpan.FromTicks(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { RateLimitBytesPerSecond = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { RateLimitBurstBytes = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { MaxHeldFrames = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions() with { DropChance = 2 });
    }

    [Fact]
    public void DisposeDisposesHeldFramesAndTheInnerDevice()
    {
        MemoryLink link = new();
        FaultInjectorDevice faults = new(link.A, new FaultOptions { Delay = TimeSpan.FromSeconds(1) });
        SendFromPeer(link.B, 3);
        Assert.Null(faults.Receive(s_t0));

        faults.Dispose();
        faults.Dispose();

        Assert.Throws<ObjectDisposedException>(() => link.A.Receive(s_t0));
        Assert.Throws<ObjectDisposedException>(() => faults.Receive(s_t0));
        link.B.Dispose();
    }

    [Fact]
    public void SteadyStateWithEveryFaultDoesNotAllocate()
    {
        FaultOptions options = new()
        {
            DropChance = 0.05,
            CorruptChance = 0.05,
            DuplicateChance = 0.05,
            ReorderChance = 0.05,
            Delay = TimeSpan.FromMilliseconds(2),
            RateLimitBytesPerSecond = 10_000_000,
            Seed = 9,
        };
        (FaultInjectorDevice faults, IDevice peer) = Create(options, queueCapacity: 1024);
        using (faults)
        using (peer)
        {
            long step = 0;
            void Steps(int count)
            {
                for (int i = 0; i < count; i++, step++)
                {
                    Instant now = s_t0 + TimeSpan.FromMicroseconds(100 * step);
                    peer.Transmit(now, PacketBuffer.Rent(1000));
                    faults.Transmit(now, PacketBuffer.Rent(1000));
                    while (faults.Receive(now) is { } frame)
                    {
                        frame.Dispose();
                    }
                    while (peer.Receive(now) is { } frame)
                    {
                        frame.Dispose();
                    }
                    faults.PollAt(now);
                }
            }
            Steps(2000);

            long before = GC.GetAllocatedBytesForCurrentThread();
            Steps(10_000);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, allocated);
        }
    }

    private static int FlippedBits(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int bits = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            bits += BitOperations.PopCount((uint)(expected[i] ^ actual[i]));
        }
        return bits;
    }
}
