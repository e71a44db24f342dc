using Usrnet.Phy;
using static Usrnet.Tests.Phy.TestFrames;

namespace Usrnet.Tests.NetSim;

/// <summary>
/// The simulated path on its own, frame by frame: the delay, the rate and the queue to the microsecond,
/// reordering, and the loss of the injector the network puts on it, random and in bursts.
/// </summary>
public sealed class SimulatedPathTests
{
    private const long HundredMegabits = 100_000_000;
    private const int FullFrame = 1514;
    // 1514 bytes at 100 Mbit/s: 12 112 bits, 10 ns each.
    private const long FullFrameNanoseconds = 121_120;

    private static readonly Instant s_t0 = Instant.FromSeconds(100);

    [Fact]
    public void AFrameComesOutExactlyOnePropagationDelayLater()
    {
        SimulatedLink link = new(new PathOptions { Delay = TimeSpan.FromMilliseconds(25) }, new PathOptions());
        using IDevice a = link.A, b = link.B;
        Instant due = s_t0 + TimeSpan.FromMilliseconds(25);

        Assert.True(a.Transmit(s_t0, Numbered(7)));

        Assert.Equal(due, b.PollAt(s_t0));
        Assert.Null(b.Receive(due - TimeSpan.FromMicroseconds(1)));
        using PacketBuffer? frame = b.Receive(due);
        Assert.Equal(7, NumberOf(frame!));
        Assert.Null(b.PollAt(due));
        Assert.Null(a.Receive(due));
    }

    [Fact]
    public void BackToBackFramesLeaveTheBottleneckAtExactlyItsRate()
    {
        const int Frames = 100;
        SimulatedLink link = new(new PathOptions { BitsPerSecond = HundredMegabits, Delay = TimeSpan.FromMilliseconds(1) }, new PathOptions());
        using IDevice a = link.A, b = link.B;
        for (int i = 0; i < Frames; i++)
        {
            a.Transmit(s_t0, Numbered(i, FullFrame));
        }

        Instant last = default;
        for (int i = 0; i < Frames; i++)
        {
            // The last bit of frame i leaves after i + 1 frame times, rounded up to the microsecond.
            long microseconds = ((i + 1) * FullFrameNanoseconds + 999) / 1000;
            last = s_t0 + TimeSpan.FromMicroseconds(microseconds) + TimeSpan.FromMilliseconds(1);
            Assert.Equal(last, b.PollAt(s_t0));
            Assert.Null(b.Receive(last - TimeSpan.FromMicroseconds(1)));
            using PacketBuffer? frame = b.Receive(last);
            Assert.Equal(i, NumberOf(frame!));
        }
        // 100 frames of 12 112 bits at 100 Mbit/s take 12.112 ms: the rate has not drifted a microsecond.
        Assert.Equal(s_t0 + TimeSpan.FromMicroseconds(12_112) + TimeSpan.FromMilliseconds(1), last);
        Assert.Equal(Frames, link.AToB.Delivered);
    }

    [Fact]
    public void AFullQueueDropsTheTailAndTakesFramesAgainAsItDrains()
    {
        PathOptions options = new() { BitsPerSecond = HundredMegabits, QueueBytes = 10 * FullFrame };
        SimulatedLink link = new(options, new PathOptions());
        using IDevice a = link.A, b = link.B;
        for (int i = 0; i < 15; i++)
        {
            a.Transmit(s_t0, Numbered(i, FullFrame));
        }
        Assert.Equal(5, link.AToB.QueueDropped);

        // One frame time later the first frame is out and one more fits; a second one does not.
        Instant later = s_t0 + TimeSpan.FromMicroseconds(122);
        a.Transmit(later, Numbered(15, FullFrame));
        a.Transmit(later, Numbered(16, FullFrame));
        Assert.Equal(6, link.AToB.QueueDropped);

        List<int> numbers = DrainNumbers(b, s_t0 + TimeSpan.FromSeconds(1));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15], numbers);
    }

    [Fact]
    public void AReorderedFrameIsHeldExactlyTheReorderDelaySoLaterFramesOvertakeIt()
    {
        const int Frames = 2000;
        TimeSpan spacing = TimeSpan.FromMicroseconds(100);
        PathOptions options = new() { Delay = TimeSpan.FromMilliseconds(5), ReorderChance = 0.05, ReorderDelay = TimeSpan.FromMilliseconds(1), Seed = 3 };
        SimulatedLink link = new(options, new PathOptions());
        using IDevice a = link.A, b = link.B;
        Dictionary<int, Instant> arrivals = [];
        List<int> order = [];
        Instant now = s_t0;
        for (int i = 0; i < Frames; i++, now += spacing)
        {
            a.Transmit(now, Numbered(i));
            Receive(now);
        }
        for (; b.PollAt(now) is not null; now += spacing)
        {
            Receive(now);
        }

        Assert.Equal(Enumerable.Range(0, Frames), order.Order());
        int heldBack = 0;
        for (int i = 0; i < Frames; i++)
        {
            TimeSpan late = arrivals[i] - (s_t0 + i * spacing) - options.Delay;
            Assert.True(late == TimeSpan.Zero || late == options.ReorderDelay, $"frame {i} late by {late}");
            heldBack += late > TimeSpan.Zero ? 1 : 0;
        }
        Assert.Equal(link.AToB.HeldBack, heldBack);
        Assert.InRange(heldBack, Frames * 0.03, Frames * 0.07);
        // 1 ms at 100 µs a frame: ten frames overtake each one held back.
        Assert.NotEqual(Enumerable.Range(0, Frames), order);

        void Receive(Instant at)
        {
            // The link is polled every 100 µs and every release is on that grid, so arrivals are exact.
            while (b.Receive(at) is { } frame)
            {
                using (frame)
                {
                    arrivals[NumberOf(frame)] = at;
                    order.Add(NumberOf(frame));
                }
            }
        }
    }

    [Fact]
    public void RandomLossOnTheNetworksInjectorLosesEachWayAtItsRate()
    {
        const int Frames = 20_000;
        (IDevice a, FaultInjectorDevice b) = LossyLink(new FaultOptions { DropChance = 0.05, Seed = 11 });
        using (a)
        using (b)
        {
            List<int> aToB = SendAndReceive(a, b, Frames);
            List<int> bToA = SendAndReceive(b, a, Frames);

            // 5 % of 20 000 is 1000 with a standard deviation of 31: four deviations either way.
            Assert.InRange(Frames - aToB.Count, 875, 1125);
            Assert.InRange(Frames - bToA.Count, 875, 1125);
            Assert.Equal(2 * Frames - aToB.Count - bToA.Count, b.Counters.Dropped);
            // Each direction has its own random sequence: the two lose different frames.
            Assert.NotEqual(aToB, bToA);
        }
    }

    [Fact]
    public void WithoutBurstLossTheInjectorDrawsTheSameLossesAsBefore()
    {
        // A seed keeps the losses it had before burst loss existed: one draw of DropChance per frame.
        const int Frames = 5000;
        (IDevice a, FaultInjectorDevice b) = LossyLink(new FaultOptions { DropChance = 0.1, Seed = 5 });
        using (a)
        using (b)
        {
            List<int> received = SendAndReceive(a, b, Frames);
            Random random = new(5);
            List<int> expected = Enumerable.Range(0, Frames).Where(_ => !(random.NextDouble() < 0.1)).ToList();
            Assert.Equal(expected, received);
        }
    }

    [Fact]
    public void BurstLossLosesRunsOfTheMeanBurstLengthAtTheGilbertElliottRate()
    {
        const int Frames = 100_000;
        // Bad 1 % of good frames, good again after 4 frames on average: stationary loss 0.01 / 0.26 = 3.85 %.
        FaultOptions burst = new() { BurstStartChance = 0.01, BurstEndChance = 0.25, Seed = 21 };
        FaultOptions random = new() { DropChance = 0.0385, Seed = 21 };

        (double burstLoss, double burstRun) = LossAndMeanRun(burst, Frames);
        (double randomLoss, double randomRun) = LossAndMeanRun(random, Frames);

        Assert.InRange(burstLoss, 0.0385 * 0.85, 0.0385 * 1.15);
        Assert.InRange(burstRun, 3.5, 4.5);
        Assert.InRange(randomLoss, 0.0385 * 0.85, 0.0385 * 1.15);
        // Independent losses of the same rate come in runs of 1 / (1 - 0.0385) = 1.04 frames.
        Assert.InRange(randomRun, 1.0, 1.1);
    }

    [Fact]
    public void InTheBadStateBurstDropChanceSaysHowManyFramesAreLost()
    {
        // Always bad, losing half: a Bernoulli path of 50 % whatever DropChance says.
        (IDevice a, FaultInjectorDevice b) = LossyLink(new FaultOptions { BurstStartChance = 1, BurstEndChance = 0, BurstDropChance = 0.5, DropChance = 0, Seed = 8 });
        using (a)
        using (b)
        {
            int lost = 10_000 - SendAndReceive(a, b, 10_000).Count;
            Assert.InRange(lost, 4800, 5200);
        }
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void BurstChancesOutsideZeroToOneThrow(double chance)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { BurstStartChance = chance });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { BurstEndChance = chance });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultOptions { BurstDropChance = chance });
    }

    /// <summary>A link with no bottleneck or delay and, as in <see cref="SimulatedNetwork"/>, the injector on end B.</summary>
    private static (IDevice A, FaultInjectorDevice B) LossyLink(FaultOptions loss)
    {
        SimulatedLink link = new(new PathOptions(), new PathOptions());
        return (link.A, new FaultInjectorDevice(link.B, loss));
    }

    /// <summary>Sends frames numbered 0 to <paramref name="frames"/> − 1 and returns the numbers that arrive.</summary>
    private static List<int> SendAndReceive(IDevice from, IDevice to, int frames)
    {
        const int Batch = 1000;
        List<int> received = [];
        for (int first = 0; first < frames; first += Batch)
        {
            // In batches, so that the path holds a thousand frames at a time rather than all of them.
            for (int i = first; i < Math.Min(frames, first + Batch); i++)
            {
                from.Transmit(s_t0, Numbered(i));
            }
            received.AddRange(DrainNumbers(to, s_t0));
        }
        return received;
    }

    /// <summary>The loss rate A→B and the mean length of a run of consecutive lost frames.</summary>
    private static (double Loss, double MeanRun) LossAndMeanRun(FaultOptions loss, int frames)
    {
        (IDevice a, FaultInjectorDevice b) = LossyLink(loss);
        using (a)
        using (b)
        {
            HashSet<int> received = [.. SendAndReceive(a, b, frames)];
            int lost = 0;
            int runs = 0;
            for (int i = 0; i < frames; i++)
            {
                if (!received.Contains(i))
                {
                    lost++;
                    runs += i == 0 || received.Contains(i - 1) ? 1 : 0;
                }
            }
            return ((double)lost / frames, (double)lost / runs);
        }
    }
}
