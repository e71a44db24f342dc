using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// The data path with vnet-header offloads (<c>--offload on</c>) against the kernel's TCP in the near
/// namespace: <c>usrnet tcp-cat</c> sends 10^9 bytes from a file to a kernel server that hashes them,
/// and writes the 10^9 bytes the server sends back to a file that the test hashes, so each direction
/// has its own end-to-end SHA-256 (<see cref="TcpCatExchange"/>). Meanwhile <c>tcpdump -i tap0 -s 0</c>
/// in the namespace must see TCP segments longer than the MTU both ways (the stack's, handed to the tap
/// whole for the kernel to segment; the kernel's, handed to the stack unsegmented), and <c>nstat</c>
/// must show no checksum error counted by the kernel after the transfers.
/// </summary>
public sealed class AGigabyteEachWayWithOffloads(ITestOutputHelper output)
{
    private const long Bytes = 1_000_000_000;
    private const int ServerPort = 5001;
    /// <summary>Both directions, one after the other: a Debug build on a busy 2-core machine takes well under a minute.</summary>
    private static readonly TimeSpan TransferDeadline = TimeSpan.FromSeconds(240);
    /// <summary>Writing the gigabyte to send takes seconds of python's CPU, more beside a CPU burner.</summary>
    private static readonly TimeSpan SeedingTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan CaptureStopGrace = TimeSpan.FromSeconds(3);
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly string Kernel = LabTopology.Gateway.ToString();

    [LabFact("ss", "nstat", "tcpdump", LabScripts.Python)]
    public async Task TcpCatMovesAGigabyteEachWayInSegmentsLargerThanTheMtuWithoutAChecksumError()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        using TcpCatExchange exchange = await TcpCatExchange.PrepareAsync(lab, lab.Namespace, Kernel, ServerPort, Bytes, "age", SeedingTimeout);
        KernelCounters before = await KernelCounters.ReadAsync(lab, lab.Namespace);
        BackgroundProcess fromStack = await LargeFrameCapture.StartAsync(lab, Stack, Kernel);
        BackgroundProcess toStack = await LargeFrameCapture.StartAsync(lab, Kernel, Stack, fromStack);

        await exchange.RunAsync([OffloadMode.Option, OffloadMode.On], TransferDeadline);
        ProcessResult sentLarge = await fromStack.StopAsync(CaptureStopGrace);
        ProcessResult receivedLarge = await toStack.StopAsync(CaptureStopGrace);
        KernelCounters after = await KernelCounters.ReadAsync(lab, lab.Namespace);

        exchange.AssertEachWayIdentical();
        IReadOnlyList<int> sent = LargeFrameCapture.AssertSeen(sentLarge, Stack, Kernel);
        IReadOnlyList<int> received = LargeFrameCapture.AssertSeen(receivedLarge, Kernel, Stack);
        after.AssertNoChecksumErrorsSince(before);
        after.AssertGrewSince(before, "TcpInSegs");
        output.WriteLine($"10^9 bytes each way with offloads: tcp-cat {exchange.Cat?.Elapsed.TotalSeconds:F1} s; server: {exchange.Server?.StandardOutput}");
        output.WriteLine($"frames above the MTU on the tap: stack -> kernel {sent.Count} (longest {sent.Max()} bytes), kernel -> stack {received.Count} (longest {received.Max()} bytes)");
    }
}
