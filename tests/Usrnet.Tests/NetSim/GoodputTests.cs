// The goodput table: every scenario of GoodputTable.Scenarios run over the simulated path, compared with
// goodput.snapshot.txt beside this file. The test fails when a row's goodput falls under the snapshot by
// more than 5 % and 4 standard errors, or a transfer fails; it prints the table every run.
//
// Print the table:
//   dotnet test tests/Usrnet.Tests -c Release --filter FullyQualifiedName~NetSim.GoodputTests --logger "console;verbosity=detailed"
// Remake the snapshot (after a change that makes TCP better, or a change to the scenarios):
//   USRNET_NETSIM_UPDATE=1 dotnet test tests/Usrnet.Tests -c Release --filter FullyQualifiedName~NetSim.GoodputTests
// Results are the same in Debug and Release and on every machine: only virtual time is measured.

using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Xunit.Abstractions;

namespace Usrnet.Tests.NetSim;

/// <summary>The goodput table against its snapshot: a change that makes TCP's loss recovery worse fails here.</summary>
public sealed class GoodputTests(ITestOutputHelper output)
{
    private const string SnapshotFile = "goodput.snapshot.txt";
    private const string UpdateVariable = "USRNET_NETSIM_UPDATE";

    [Fact]
    public void GoodputIsNoWorseThanTheSnapshot()
    {
        Stopwatch stopwatch = Stopwatch.StartNew();
        List<GoodputRow> rows = GoodputTable.Scenarios.Select(GoodputRunner.RunAll).ToList();
        string table = GoodputTable.Format(rows);
        output.WriteLine(table);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows.Sum(r => r.Results.Count)} runs in {stopwatch.Elapsed.TotalSeconds:F1} s"));

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            // A failed transfer is a bug to fix, not a baseline to keep.
            Assert.True(rows.All(r => r.FirstFailure is null), $"not remade: a transfer failed: {string.Join("\n", rows.Where(r => r.FirstFailure is not null).Select(r => $"{r.Scenario.Name} seed {r.FirstFailure!.Scenario.Seed}: {r.FirstFailure.Failure} {r.FirstFailure.Sender}"))}\n\n{table}");
            string path = SourceSnapshotPath();
            File.WriteAllText(path, table);
            output.WriteLine($"{UpdateVariable}=1: wrote {path}");
            return;
        }

        Dictionary<string, SnapshotRow> snapshot = GoodputTable.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "NetSim", SnapshotFile)));
        PrintChanges(rows, snapshot);
        (List<string> worse, List<string> better) = GoodputTable.Compare(rows, snapshot);
        foreach (string line in better)
        {
            output.WriteLine($"better: {line}");
        }
        if (better.Count > 0 && worse.Count == 0)
        {
            output.WriteLine($"Better than the snapshot; to keep the gain, remake it with {UpdateVariable}=1.");
        }
        Assert.True(worse.Count == 0, $"goodput worse than {SnapshotFile}:\n{string.Join('\n', worse)}\n\n{table}");
    }

    /// <summary>Each row's goodput beside the snapshot's, so that a change shows at a glance.</summary>
    private void PrintChanges(IEnumerable<GoodputRow> rows, Dictionary<string, SnapshotRow> snapshot)
    {
        output.WriteLine("# against the snapshot: scenario, snapshot goodput, goodput now, change, the floor under which it is worse");
        foreach (GoodputRow row in rows)
        {
            if (snapshot.TryGetValue(row.Scenario.Name, out SnapshotRow expected))
            {
                double change = expected.GoodputMbps > 0 ? row.GoodputMbps / expected.GoodputMbps - 1 : 0;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Scenario.Name,-26} {expected.GoodputMbps,10:F3} {row.GoodputMbps,10:F3} {change,8:+0.0%;-0.0%;0.0%} {expected.Floor,10:F3}"));
            }
        }
    }

    /// <summary>The snapshot in the source tree (the copy in the output directory is what the test reads).</summary>
    private static string SourceSnapshotPath([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, SnapshotFile);
}
