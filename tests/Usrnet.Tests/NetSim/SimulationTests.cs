using Usrnet.Sockets.Tcp;

namespace Usrnet.Tests.NetSim;

/// <summary>The scenario runner and the table: determinism, failures reported rather than hung, and the comparison.</summary>
public sealed class SimulationTests
{
    private static readonly GoodputScenario s_everything = new("everything/rtt10ms", 512 * 1024, TimeSpan.FromMilliseconds(10))
    {
        LossChance = 0.02,
        BurstStartChance = 0.005,
        BurstEndChance = 0.5,
        ReorderChance = 0.02,
        Seed = 7,
    };

    [Fact]
    public void TheSameSeedGivesTheSameRunToTheMicrosecondAndAnotherSeedAnotherRun()
    {
        GoodputResult first = GoodputRunner.Run(s_everything);
        GoodputResult second = GoodputRunner.Run(s_everything);
        GoodputResult other = GoodputRunner.Run(s_everything with { Seed = 8 });

        Assert.Null(first.Failure);
        // Every figure: the virtual time to the microsecond, every counter of the sender, RTT and window.
        Assert.Equal(first, second);
        Assert.True(first.RandomLosses > 0 && first.Sender.Retransmissions > 0, $"nothing was lost: {first}");
        Assert.NotEqual(first.Sender, other.Sender);
    }

    [Fact]
    public void AConnectionThatCannotBeMadeIsReportedNotHung()
    {
        GoodputResult result = GoodputRunner.Run(new GoodputScenario("blackhole", 1000, TimeSpan.FromMilliseconds(1)) { LossChance = 1 });

        Assert.NotNull(result.Failure);
        Assert.StartsWith("no connection", result.Failure);
        Assert.Equal(0, result.GoodputMbps);
    }

    [Fact]
    public void WithoutLossTheTransferRunsAtTheBottleneckRateLessTheHeaders()
    {
        GoodputResult result = GoodputRunner.Run(new GoodputScenario("clean", 1024 * 1024, TimeSpan.FromMilliseconds(1)) { QueueBdp = 1000 });

        Assert.Null(result.Failure);
        Assert.Equal(0, result.Sender.Retransmissions);
        // A queue that never fills: slow start meets no loss. 1448 bytes of payload in each 1514-byte frame
        // make at most 95.6 Mbit/s of 100; slow start costs a little.
        Assert.InRange(result.GoodputMbps, 85, 100.0 * 1448 / 1514);
    }

    [Fact]
    public void TheTableCountsAFallBeyondFivePercentAndFourStandardErrorsAsWorse()
    {
        Dictionary<string, SnapshotRow> snapshot = GoodputTable.Parse(
            "# comment\n" +
            "steady                       16  1000  100.000   0.500\n" +
            "noisy                        16  1000   10.000   1.000\n" +
            "failed                       16  1000   FAILED   0.000\n" +
            "gone                          1  1000    1.000   0.000\n");

        (List<string> worse, List<string> better) = GoodputTable.Compare(
            [Row("steady", 94.9), Row("noisy", 6.1), Row("failed", 0.1), Row("new", 1)], snapshot);

        // steady: 5 % (5.0) is more than 4 × 0.5, so 94.9 is worse; noisy: 4 × 1.0 = 4.0 allows down to 6.0.
        Assert.Equal(3, worse.Count);
        Assert.StartsWith("steady:", worse[0]);
        Assert.StartsWith("new: not in the snapshot", worse[1]);
        Assert.StartsWith("gone: in the snapshot but no longer", worse[2]);
        Assert.Equal(["failed"], better.Select(line => line[..line.IndexOf(':')]));
    }

    [Fact]
    public void TheTableFormatsWhatItParses()
    {
        GoodputRow row = new(s_everything, [Result(s_everything with { Seed = 1 }, 10), Result(s_everything with { Seed = 2 }, 20)]);

        Dictionary<string, SnapshotRow> parsed = GoodputTable.Parse(GoodputTable.Format([row]));

        // Mean 15; sample deviation 7.07 over √2: 5.
        Assert.Equal(new SnapshotRow(15, 5), parsed[s_everything.Name]);
    }

    private static GoodputRow Row(string name, double mbps)
    {
        GoodputScenario scenario = new(name, 100_000_000, TimeSpan.FromMilliseconds(1));
        return new GoodputRow(scenario, [Result(scenario, mbps)]);
    }

    /// <summary>A result of <paramref name="mbps"/> for the scenario's bytes.</summary>
    private static GoodputResult Result(GoodputScenario scenario, double mbps) =>
        new(scenario, null, TimeSpan.FromSeconds(scenario.Bytes * 8 / (mbps * 1e6)), default(TcpStatistics), 0, 0);
}
