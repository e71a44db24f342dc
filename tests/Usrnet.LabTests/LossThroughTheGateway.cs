using System.Globalization;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// TCP between the far namespace and the stack while the gateway (the near namespace) drops 5% of the
/// packets it forwards each way: an nftables rule in NS's <em>forward</em> hook, where neither sender
/// can see the drop (docs/articles/design.md §3), with a counter per direction to prove it dropped. Kernel client
/// to <c>usrnet tcp-echo</c> (both directions at once), and <c>usrnet tcp-cat</c> to a kernel server
/// (one direction after the other). Each transfer must complete, byte-identical, within its deadline;
/// when one does not, the failure shows how far it got, the stack's counters and the kernel's
/// <c>ss -tin</c>.
/// </summary>
public sealed partial class LossThroughTheGateway(ITestOutputHelper output)
{
    /// <summary>The share of forwarded packets dropped each way.</summary>
    internal const int LossPercent = 5;
    private const long Bytes = 20_000_000;
    private const int EchoPort = 7;
    private const int ServerPort = 5001;
    private static readonly TimeSpan TransferDeadline = TimeSpan.FromSeconds(45);
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly string Far = LabTopology.FarAddress.ToString();

    [LabFact("ping", "nft", "ss", LabScripts.Python)]
    public async Task AFarKernelClientGetsTwentyMegabytesEchoedThroughLoss()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await AddLossAsync(lab);
        BackgroundProcess echo = await lab.StartStackAsync("tcp-echo", $"{EchoPort}");

        ProcessResult client = await RunEchoClientAsync(lab, "ltt-echo");
        string rules = await RulesetAsync(lab);
        ProcessResult ended = await LabStack.StopStackAsync(echo);
        string report = $"{client}\n\ntcp-echo: {ended}\n\n{rules}";

        AssertEchoed(client, report);
        AssertDroppedBothWays(rules);
        LabStack.AssertStoppedBySigterm(ended);
        AssertNoOversizedSegments(ended, report);
    }

    /// <summary>
    /// The same with a kernel that does not offer SACK (net.ipv4.tcp_sack=0 in the far namespace): the
    /// stack recovers by NewReno and retransmission timeouts alone.
    /// </summary>
    [LabFact("ping", "nft", "ss", "sysctl", LabScripts.Python)]
    public async Task AFarKernelClientWithoutSackGetsTwentyMegabytesEchoedThroughLoss()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        (await lab.RunAsync(lab.FarNamespace, ["sysctl", "-qw", "net.ipv4.tcp_sack=0"])).EnsureSuccess();
        await AddLossAsync(lab);
        BackgroundProcess echo = await lab.StartStackAsync("tcp-echo", $"{EchoPort}");

        ProcessResult client = await RunEchoClientAsync(lab, "ltt-nosack");
        string rules = await RulesetAsync(lab);
        ProcessResult ended = await LabStack.StopStackAsync(echo);
        string report = $"{client}\n\ntcp-echo: {ended}\n\n{rules}";

        AssertEchoed(client, report);
        AssertDroppedBothWays(rules);
        LabStack.AssertStoppedBySigterm(ended);
    }

    [LabFact("ping", "nft", "ss", LabScripts.Python)]
    public async Task TcpCatMovesTwentyMegabytesEachWayThroughLoss()
    {
        using LabTempDirectory files = new();
        string input = files.File("in");
        string received = files.File("out");
        string inputHash = await TcpPeers.WriteSeededFileAsync(input, Bytes, "ltt-up");
        await using Lab lab = await Lab.CreateAsync(output);
        await AddLossAsync(lab);
        BackgroundProcess server = lab.Start(lab.FarNamespace, LabScripts.PythonCommand("tcp_hash_server.py", $"{ServerPort}", "--send-bytes", $"{Bytes}", "--seed", "ltt-down", "--stall", "20"));
        await TcpPeers.ExpectOutputAsync(server, "listening on", TimeSpan.FromSeconds(10));

        BackgroundProcess cat = lab.Start(lab.Namespace, TcpPeers.Shell($"exec {TcpPeers.Quote(UsrnetCli.Command(["tcp-cat", Far, $"{ServerPort}"]))} < {input} > {received}"));
        string stalled = "";
        if (!await TcpPeers.WaitUntilAsync(() => cat.HasExited, TransferDeadline))
        {
            // Before anything is stopped: how far each side got, and the kernel's view of the connection.
            ProcessResult ss = await lab.RunAsync(lab.FarNamespace, ["ss", "-tin"]);
            stalled = $"tcp-cat had not finished after {TransferDeadline.TotalSeconds} s: {new FileInfo(received).Length} bytes written to stdout\n"
                + $"kernel server so far:\n{server.StandardOutput}\nss -tin in the far namespace:\n{ss.StandardOutput}\n";
        }
        ProcessResult catEnded = await cat.StopAsync(TimeSpan.FromSeconds(5));
        ProcessResult served = await server.StopAsync(TimeSpan.FromSeconds(5));
        string rules = await RulesetAsync(lab);
        string report = $"{stalled}tcp-cat: {catEnded}\n\nserver: {served}\n\n{rules}";

        Assert.True(stalled.Length == 0 && catEnded.Succeeded, report);
        Assert.True(served.Succeeded, report);
        Assert.Equal((Bytes, inputHash), TcpPeers.HashServerLine(served.StandardOutput, "received"));
        (long Bytes, string Hash)? sent = TcpPeers.HashServerLine(served.StandardOutput, "sent");
        Assert.Equal(Bytes, sent?.Bytes);
        Assert.Equal(Bytes, new FileInfo(received).Length);
        Assert.Equal(sent?.Hash, TcpPeers.Sha256OfFile(received));
        AssertDroppedBothWays(rules);
        output.WriteLine($"tcp-cat through {LossPercent}% loss each way: {catEnded.Elapsed.TotalSeconds:F1} s; server: {served.StandardOutput}");
    }

    /// <summary>Drops <see cref="LossPercent"/>% of what NS forwards each way between r0 (far) and the tap (stack), counting.</summary>
    internal static async Task AddLossAsync(Lab lab)
    {
        string rules = $$"""
            table inet loss {
              chain drop_some {
                type filter hook forward priority 0;
                iif "{{LabTopology.RouterLink}}" oif "{{lab.TapName}}" numgen random mod 100 < {{LossPercent}} counter drop
                iif "{{lab.TapName}}" oif "{{LabTopology.RouterLink}}" numgen random mod 100 < {{LossPercent}} counter drop
              }
            }
            """;
        (await lab.RunAsync(lab.Namespace, ["nft", "-f", "-"], stdin: rules + "\n")).EnsureSuccess();
    }

    /// <summary>The near namespace's nftables ruleset, with the loss rules' counters.</summary>
    internal static async Task<string> RulesetAsync(Lab lab) =>
        (await lab.RunAsync(lab.Namespace, ["nft", "list", "ruleset"])).EnsureSuccess().StandardOutput;

    private async Task<ProcessResult> RunEchoClientAsync(Lab lab, string seed)
    {
        ProcessResult client = await lab.RunAsync(
            lab.FarNamespace,
            LabScripts.PythonCommand("tcp_echo_client.py", Stack, $"{EchoPort}", "--bytes", $"{Bytes}", "--seed", seed, "--stall", "15", "--deadline", $"{TransferDeadline.TotalSeconds}"),
            TransferDeadline + TimeSpan.FromSeconds(5));
        output.WriteLine($"echo client: {client.Elapsed.TotalSeconds:F1} s");
        return client;
    }

    private static void AssertEchoed(ProcessResult client, string report)
    {
        Assert.True(client.Succeeded, report);
        Assert.Equal((1, 1, Bytes, Bytes), TcpPeers.EchoSummary(client));
        (string sentHash, string receivedHash) = TcpPeers.EchoHashes(client);
        Assert.Equal(sentHash, receivedHash);
    }

    /// <summary>Both counted rules dropped packets: the loss was real, each way.</summary>
    internal static void AssertDroppedBothWays(string ruleset)
    {
        Dictionary<string, long> dropped = [];
        foreach (Match m in DropRule().Matches(ruleset))
        {
            dropped[m.Groups["iif"].Value] = long.Parse(m.Groups["packets"].Value, CultureInfo.InvariantCulture);
        }
        Assert.True(dropped.Count == 2 && dropped.Values.All(n => n > 0), $"the loss rules did not drop both ways:\n{ruleset}");
    }

    /// <summary>
    /// A segment built larger than the MTU (with DF) never leaves the stack: it is counted in
    /// DroppedTooBig and lost. The MSS less the options must leave room for every option a data
    /// segment carries, SACK blocks included (RFC 6691; Linux's tcp_current_mss).
    /// </summary>
    private static void AssertNoOversizedSegments(ProcessResult stack, string report)
    {
        long tooBig = ToolOutput.Counter(ToolOutput.Counters(stack.StandardOutput), "DroppedTooBig");
        Assert.True(tooBig == 0, $"the stack built {tooBig} packets larger than the MTU (DroppedTooBig): data segments that also carry SACK blocks?\n{report}");
    }

    [GeneratedRegex(@"iif ""(?<iif>[^""]+)"" oif ""[^""]+"" .*counter packets (?<packets>\d+) bytes \d+ drop")]
    private static partial Regex DropRule();
}
