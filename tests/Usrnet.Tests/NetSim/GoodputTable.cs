using System.Globalization;
using System.Text;
using Usrnet.Sockets.Tcp;

namespace Usrnet.Tests.NetSim;

/// <summary>What the snapshot says of one scenario.</summary>
/// <param name="GoodputMbps">Mean goodput of the runs.</param>
/// <param name="StandardErrorMbps">Its standard error.</param>
internal readonly record struct SnapshotRow(double GoodputMbps, double StandardErrorMbps)
{
    /// <summary>
    /// The lowest goodput that is not worse: under the snapshot by at most <see cref="GoodputTable.Tolerance"/>
    /// or <see cref="GoodputTable.StandardErrors"/> standard errors, whichever is more.
    /// </summary>
    public double Floor => GoodputMbps - Math.Max(GoodputTable.Tolerance * GoodputMbps, GoodputTable.StandardErrors * StandardErrorMbps);
}

/// <summary>
/// The scenarios of the goodput table, the table's text (the snapshot's format), and the comparison of a
/// run with the snapshot.
/// </summary>
internal static class GoodputTable
{
    /// <summary>The least fall under the snapshot's goodput that counts as worse (5 %).</summary>
    public const double Tolerance = 0.05;

    /// <summary>
    /// Standard errors of a row's mean that a fall must also exceed to count as worse (4). A change to TCP
    /// that sends one segment more or less redraws every later loss, as if with other seeds; the mean of
    /// the new draw then differs from the old by √2 standard errors typically, and by 4 in about one row
    /// of 400. Rows with little spread keep the 5 %.
    /// </summary>
    public const double StandardErrors = 4;

    private const int KiB = 1024;
    private const int MiB = 1024 * KiB;

    private static readonly TimeSpan s_lan = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan s_wan = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Random loss 0–20 % each way at a LAN's and a WAN's round-trip time, then burst loss and reordering.
    /// Fewer bytes at higher loss: a run costs in proportion to the segments sent, and at high loss the
    /// runs of a row tell more than the bytes of one run.
    /// </summary>
    public static IReadOnlyList<GoodputScenario> Scenarios { get; } = BuildScenarios();

    /// <summary>The header lines of the snapshot: what the numbers mean and how to remake them.</summary>
    public static string Header =>
        "# NetSim goodput table (README.md beside this file). Remake: USRNET_NETSIM_UPDATE=1 dotnet test tests/Usrnet.Tests -c Release --filter FullyQualifiedName~NetSim.GoodputTests\n" +
        $"# One TCP connection A->B ({TcpSocketOptions.Default.CongestionControl}, SACK, timestamps, 2 MiB buffers) over a 100 Mbit/s bottleneck each way with a drop-tail queue of 1 BDP, MTU 1500.\n" +
        "# lossN%: N % of frames lost at random each way. burstN%xL: Gilbert-Elliott, about N % lost each way in bursts of L frames on average.\n" +
        "# reorderN%: N % of data frames held 1 ms so that later ones overtake them.\n" +
        "# Each row runs its scenario with seeds 1..runs (once when nothing is random): goodput is the mean of the runs' bytes read at B per second\n" +
        "# of virtual time, stderr its standard error; the rest are means per run: seconds, and the sender's rto = retransmission timeouts,\n" +
        "# retx = segments sent again, fast = fast retransmits, tlp = tail loss probes, rack = RACK loss detections, dsack = D-SACKs received,\n" +
        "# undo = recoveries undone by D-SACK; lost = frames lost at random, qdrop = frames dropped by a full queue.\n" +
        string.Create(CultureInfo.InvariantCulture, $"# A row is worse when its goodput falls under this one by more than {Tolerance:P0} and {StandardErrors} standard errors.\n");

    /// <summary>The table of <paramref name="rows"/>, one line per scenario, in the snapshot's format.</summary>
    public static string Format(IEnumerable<GoodputRow> rows)
    {
        StringBuilder text = new(Header);
        text.AppendLine(Line("# scenario", "runs", "bytes", "goodput_Mbps", "stderr", "seconds", "rto", "retx", "fast", "tlp", "rack", "dsack", "undo", "lost", "qdrop"));
        foreach (GoodputRow row in rows)
        {
            text.AppendLine(Line(
                row.Scenario.Name,
                row.Results.Count.ToString(CultureInfo.InvariantCulture),
                row.Scenario.Bytes.ToString(CultureInfo.InvariantCulture),
                row.FirstFailure is null ? Fixed(row.GoodputMbps, 3) : "FAILED",
                Fixed(row.StandardErrorMbps, 3),
                Fixed(row.Mean(r => r.Elapsed.TotalSeconds), 3),
                Fixed(row.Mean(r => r.Sender.Timeouts), 1),
                Fixed(row.Mean(r => r.Sender.Retransmissions), 1),
                Fixed(row.Mean(r => r.Sender.FastRetransmits), 1),
                Fixed(row.Mean(r => r.Sender.TailLossProbes), 1),
                Fixed(row.Mean(r => r.Sender.RackLossDetections), 1),
                Fixed(row.Mean(r => r.Sender.DuplicateSacksReceived), 1),
                Fixed(row.Mean(r => r.Sender.RecoveriesUndone), 1),
                Fixed(row.Mean(r => r.RandomLosses), 1),
                Fixed(row.Mean(r => r.QueueDrops), 1)));
        }
        return text.ToString();
    }

    /// <summary>The goodput of each scenario in a snapshot's text; comment lines start with #.</summary>
    public static Dictionary<string, SnapshotRow> Parse(string snapshot)
    {
        Dictionary<string, SnapshotRow> rows = new(StringComparer.Ordinal);
        foreach (string line in snapshot.Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length < 5 || fields[0].StartsWith('#'))
            {
                continue;
            }
            // A row that failed when the snapshot was made ("FAILED") parses as 0: anything beats it.
            rows[fields[0]] = new SnapshotRow(ParseOrZero(fields[3]), ParseOrZero(fields[4]));
        }
        return rows;
    }

    /// <summary>
    /// Compares a run of the table with the snapshot: the regressions (a failed transfer, goodput under
    /// <see cref="SnapshotRow.Floor"/>, a scenario missing on either side) and the improvements (goodput as
    /// far over the snapshot as the floor is under it), one line each.
    /// </summary>
    public static (List<string> Worse, List<string> Better) Compare(IReadOnlyList<GoodputRow> rows, Dictionary<string, SnapshotRow> snapshot)
    {
        List<string> worse = [];
        List<string> better = [];
        foreach (GoodputRow row in rows)
        {
            string name = row.Scenario.Name;
            double goodput = row.GoodputMbps;
            if (row.FirstFailure is { } failed)
            {
                worse.Add($"{name}: the run with seed {failed.Scenario.Seed} failed: {failed.Failure}");
            }
            else if (!snapshot.TryGetValue(name, out SnapshotRow expected))
            {
                worse.Add($"{name}: not in the snapshot (remake it)");
            }
            else if (goodput < expected.Floor)
            {
                worse.Add(Describe(name, goodput, expected, "under"));
            }
            else if (goodput > 2 * expected.GoodputMbps - expected.Floor)
            {
                better.Add(Describe(name, goodput, expected, "over"));
            }
        }
        HashSet<string> names = [.. rows.Select(r => r.Scenario.Name)];
        worse.AddRange(snapshot.Keys.Where(name => !names.Contains(name)).Order(StringComparer.Ordinal)
            .Select(name => $"{name}: in the snapshot but no longer a scenario (remake it)"));
        return (worse, better);
    }

    private static string Describe(string name, double goodput, SnapshotRow expected, string direction) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{name}: goodput {goodput:F3} Mbit/s is {Math.Abs(goodput / expected.GoodputMbps - 1):P1} {direction} the snapshot's {expected.GoodputMbps:F3} ± {expected.StandardErrorMbps:F3}");

    private static double ParseOrZero(string field) =>
        double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : 0;

    private static string Fixed(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Line(string name, params string[] columns)
    {
        // Fixed widths so that the snapshot reads as a table and its diffs line up.
        int[] widths = [4, 8, 12, 7, 8, 6, 6, 6, 6, 6, 6, 6, 6, 6];
        StringBuilder line = new(name.PadRight(26));
        for (int i = 0; i < columns.Length; i++)
        {
            line.Append(' ').Append(columns[i].PadLeft(widths[i]));
        }
        return line.ToString();
    }

    private static List<GoodputScenario> BuildScenarios()
    {
        (double Loss, int Bytes)[] losses = [(0, 4 * MiB), (0.01, 1 * MiB), (0.02, 1 * MiB), (0.05, 1 * MiB), (0.10, 512 * KiB), (0.20, 256 * KiB)];
        List<GoodputScenario> scenarios = [];
        foreach (TimeSpan rtt in new[] { s_lan, s_wan })
        {
            foreach ((double loss, int bytes) in losses)
            {
                scenarios.Add(new GoodputScenario(string.Create(CultureInfo.InvariantCulture, $"loss{loss * 100:0}%/{Rtt(rtt)}"), bytes, rtt) { LossChance = loss });
            }
        }
        foreach (TimeSpan rtt in new[] { s_lan, s_wan })
        {
            // Bad after 1.02 % of good frames, for 2 frames on average: 0.0102 / 0.5102 = 2 % lost, in pairs.
            scenarios.Add(new GoodputScenario($"burst2%x2/{Rtt(rtt)}", 1 * MiB, rtt) { BurstStartChance = 0.0102, BurstEndChance = 0.5 });
            // Bad after 2.63 % of good frames, for 2 frames on average: 0.0263 / 0.5263 = 5 % lost, in pairs.
            // Longer bursts are not kept: the chain moves per frame, so a burst outlasts a sender that sends
            // one frame per timeout; at 4 frames one run in 16 retransmitted a segment into the same burst
            // 16 times, over minutes of back-off, and gave up.
            scenarios.Add(new GoodputScenario($"burst5%x2/{Rtt(rtt)}", 1 * MiB, rtt) { BurstStartChance = 0.0263, BurstEndChance = 0.5 });
            scenarios.Add(new GoodputScenario($"reorder2%/{Rtt(rtt)}", 1 * MiB, rtt) { ReorderChance = 0.02 });
            scenarios.Add(new GoodputScenario($"reorder2%+loss1%/{Rtt(rtt)}", 1 * MiB, rtt) { ReorderChance = 0.02, LossChance = 0.01 });
        }
        return scenarios;
    }

    private static string Rtt(TimeSpan rtt) => string.Create(CultureInfo.InvariantCulture, $"rtt{rtt.TotalMilliseconds:0}ms");
}
