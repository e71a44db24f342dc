using System.Globalization;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// The fault options every stack command takes (<c>--drop-chance --seed</c> ...), seen from
/// <c>usrnet ping</c> against the kernel: loss happens, a seed repeats it, and what gets through is
/// reported when it arrives.
/// </summary>
public sealed class FaultOptionsWork(ITestOutputHelper output)
{
    private static readonly string Gateway = LabTopology.Gateway.ToString();
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    [LabFact]
    public async Task PingWithADropChanceLosesSomeButNotAllRequests()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult ping = await lab.RunUsrnetAsync(["ping", "-c", "20", "-i", "0.05", "--drop-chance", "0.3", "--seed", "1", Gateway], ToolTimeout);

        Assert.True(ping.Succeeded, ping.ToString());
        Assert.Equal(20, ToolOutput.PingTransmitted(ping.StandardOutput));
        Assert.InRange(ToolOutput.PingLossPercent(ping.StandardOutput), 1, 99);
        Assert.InRange(ToolOutput.PingReceived(ping.StandardOutput), 1, 19);
    }

    [LabFact]
    public async Task TheSameSeedLosesTheSameRequests()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        string[] args = ["ping", "-c", "20", "-i", "0.05", "-W", "3", "--drop-chance", "0.3", "--seed", "1", Gateway];

        ProcessResult first = await lab.RunUsrnetAsync(args, ToolTimeout);
        ProcessResult second = await lab.RunUsrnetAsync(args, ToolTimeout);

        Assert.True(first.Succeeded, first.ToString());
        Assert.True(second.Succeeded, second.ToString());
        IReadOnlyList<int> answered = AnsweredSequences(first.StandardOutput);
        Assert.InRange(answered.Count, 1, 19);
        Assert.Equal(answered, AnsweredSequences(second.StandardOutput));
    }

    /// <summary>
    /// A lost ARP exchange parks the requests; when the address resolves they all go out at once and
    /// their replies come back in a burst. ping must report each reply when the stack receives it (the
    /// capture, written as frames reach the interface, says when that was), not at its next timer.
    /// </summary>
    [LabFact("tshark")]
    public async Task RepliesToABurstOfParkedRequestsAreReportedWhenTheyArrive()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        string pcap = Path.Combine(Path.GetTempPath(), $"usrnet-faults-{Guid.NewGuid():N}.pcap");
        try
        {
            // Seed 2 loses the first two ARP exchanges: the 20 requests leave together at about 2 s.
            ProcessResult ping = await lab.RunUsrnetAsync(["ping", "-c", "20", "-i", "0.05", "-W", "3", "--drop-chance", "0.3", "--seed", "2", Gateway, "--pcap", pcap], ToolTimeout);
            ProcessResult replies = (await lab.RunAsync(lab.Namespace, ["tshark", "-n", "-r", pcap, "-Y", "icmp.type == 0", "-T", "fields", "-e", "frame.time_relative"], ToolTimeout)).EnsureSuccess();

            Assert.True(ping.Succeeded, ping.ToString());
            double[] arrived = [.. replies.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(t => double.Parse(t, CultureInfo.InvariantCulture))];
            Assert.Equal(arrived.Length, ToolOutput.PingReceived(ping.StandardOutput));
            // The capture's clock starts a little before ping's (with the interface), so this is generous.
            double lastArrivalMs = arrived.Max() * 1000;
            int reportedMs = ToolOutput.PingTimeMilliseconds(ping.StandardOutput);
            Assert.True(
                reportedMs <= lastArrivalMs + 250,
                $"the last reply reached the stack {lastArrivalMs:F0} ms after it started, but ping reported it at {reportedMs} ms (replies in the capture at {string.Join(", ", arrived.Select(a => $"{a * 1000:F0}"))} ms): {ping}");
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    private static IReadOnlyList<int> AnsweredSequences(string pingOutput) =>
        [.. Regex.Matches(pingOutput, @"bytes from \S+: icmp_seq=(?<seq>\d+) ").Select(m => int.Parse(m.Groups["seq"].Value, CultureInfo.InvariantCulture))];
}
