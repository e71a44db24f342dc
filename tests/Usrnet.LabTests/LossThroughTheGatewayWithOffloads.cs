using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// <see cref="LossThroughTheGateway"/> with vnet-header offloads (<c>--offload on</c>): 20 MB between
/// the far namespace and the stack while the gateway's forward hook drops 5% of the packets each way.
/// A dropped packet from the stack may be a whole segment of tens of kilobytes, which the gateway
/// would otherwise have cut into MTU-sized ones for the far link. <c>tcpdump</c> on the tap proves the
/// stack's large segments were there; <c>nstat</c> in both namespaces shows no checksum error.
/// </summary>
public sealed class LossThroughTheGatewayWithOffloads(ITestOutputHelper output)
{
    private const long Bytes = 20_000_000;
    private const int EchoPort = 7;
    private const int ServerPort = 5001;
    private static readonly TimeSpan TransferDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan CaptureStopGrace = TimeSpan.FromSeconds(3);
    private static readonly string[] Offloads = [OffloadMode.Option, OffloadMode.On];
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly string Far = LabTopology.FarAddress.ToString();

    [LabFact("nft", "ss", "nstat", "tcpdump", LabScripts.Python)]
    public async Task TcpCatMovesTwentyMegabytesEachWayThroughLossInSegmentsLargerThanTheMtu()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await LossThroughTheGateway.AddLossAsync(lab);
        using TcpCatExchange exchange = await TcpCatExchange.PrepareAsync(lab, lab.FarNamespace, Far, ServerPort, Bytes, "lttwo");
        (KernelCounters Near, KernelCounters Far) before = await ReadCountersAsync(lab);
        BackgroundProcess capture = await LargeFrameCapture.StartAsync(lab, Stack, Far);

        await exchange.RunAsync(Offloads, TransferDeadline);
        ProcessResult captured = await capture.StopAsync(CaptureStopGrace);
        string rules = await LossThroughTheGateway.RulesetAsync(lab);
        (KernelCounters Near, KernelCounters Far) after = await ReadCountersAsync(lab);

        exchange.AssertEachWayIdentical();
        LossThroughTheGateway.AssertDroppedBothWays(rules);
        IReadOnlyList<int> large = LargeFrameCapture.AssertSeen(captured, Stack, Far);
        after.Near.AssertNoChecksumErrorsSince(before.Near);
        after.Far.AssertNoChecksumErrorsSince(before.Far);
        after.Far.AssertGrewSince(before.Far, "TcpRetransSegs");
        output.WriteLine($"tcp-cat through {LossThroughTheGateway.LossPercent}% loss each way with offloads: {exchange.Cat?.Elapsed.TotalSeconds:F1} s; "
            + $"{large.Count} frames above the MTU from the stack (longest {large.Max()} bytes); server: {exchange.Server?.StandardOutput}");
    }

    /// <summary>Both directions at once: the kernel client's data and the stack's echo share the lossy path.</summary>
    [LabFact("nft", "ss", "nstat", LabScripts.Python)]
    public async Task AFarKernelClientGetsTwentyMegabytesEchoedThroughLoss()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await LossThroughTheGateway.AddLossAsync(lab);
        (KernelCounters Near, KernelCounters Far) before = await ReadCountersAsync(lab);
        BackgroundProcess echo = await lab.StartStackAsync(["tcp-echo", $"{EchoPort}", .. Offloads]);

        ProcessResult client = await lab.RunAsync(
            lab.FarNamespace,
            LabScripts.PythonCommand("tcp_echo_client.py", Stack, $"{EchoPort}", "--bytes", $"{Bytes}", "--seed", "lttwo-echo", "--stall", "15", "--deadline", $"{TransferDeadline.TotalSeconds}"),
            TransferDeadline + TimeSpan.FromSeconds(5));
        string rules = await LossThroughTheGateway.RulesetAsync(lab);
        ProcessResult ended = await LabStack.StopStackAsync(echo);
        (KernelCounters Near, KernelCounters Far) after = await ReadCountersAsync(lab);
        string report = $"{client}\n\ntcp-echo: {ended}\n\n{rules}";

        Assert.True(client.Succeeded, report);
        Assert.Equal((1, 1, Bytes, Bytes), TcpPeers.EchoSummary(client));
        (string sentHash, string receivedHash) = TcpPeers.EchoHashes(client);
        Assert.Equal(sentHash, receivedHash);
        LossThroughTheGateway.AssertDroppedBothWays(rules);
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        after.Near.AssertNoChecksumErrorsSince(before.Near);
        after.Far.AssertNoChecksumErrorsSince(before.Far);
        output.WriteLine($"echo through {LossThroughTheGateway.LossPercent}% loss each way with offloads: {client.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task<(KernelCounters Near, KernelCounters Far)> ReadCountersAsync(Lab lab) =>
        (await KernelCounters.ReadAsync(lab, lab.Namespace), await KernelCounters.ReadAsync(lab, lab.FarNamespace));
}
