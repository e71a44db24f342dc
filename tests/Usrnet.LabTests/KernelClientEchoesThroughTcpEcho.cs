using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// Kernel TCP clients (scripts/tcp_echo_client.py, in the near namespace) against <c>usrnet tcp-echo</c>:
/// one connection carrying 100 MB both ways at once, and 100 connections at once, each with its own
/// data. The client sends and reads concurrently, half-closes after its last byte and reads until EOF;
/// it checks every byte against what it sent and prints SHA-256 of both streams.
/// </summary>
public sealed class KernelClientEchoesThroughTcpEcho(ITestOutputHelper output)
{
    private const int EchoPort = 7;
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly string Kernel = LabTopology.Gateway.ToString();

    [LabFact("ping", "ss", LabScripts.Python)]
    public async Task OneHundredMegabytesComeBackByteIdentical()
    {
        const long Bytes = 100_000_000;
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await lab.StartStackAsync("tcp-echo", $"{EchoPort}");

        ProcessResult client = await lab.RunAsync(
            lab.Namespace,
            LabScripts.PythonCommand("tcp_echo_client.py", Stack, $"{EchoPort}", "--bytes", $"{Bytes}", "--seed", "kce-100mb", "--stall", "15", "--deadline", "40"),
            TimeSpan.FromSeconds(45));
        await TcpPeers.WaitUntilAsync(() => echo.StandardOutput.Contains("closed ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        ProcessResult ended = await LabStack.StopStackAsync(echo);

        Assert.True(client.Succeeded, $"{client}\n\ntcp-echo: {ended}");
        (int identical, int connections, long sent, long received) = TcpPeers.EchoSummary(client);
        Assert.Equal((1, 1, Bytes, Bytes), (identical, connections, sent, received));
        (string sentHash, string receivedHash) = TcpPeers.EchoHashes(client);
        Assert.Equal(sentHash, receivedHash);
        output.WriteLine($"100 MB echoed: sha256 {sentHash}");

        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        Assert.Equal(1, TcpPeers.CountLines(ended.StandardOutput, $@"^accepted {Kernel}:\d+$"));
        Assert.Equal(1, TcpPeers.CountLines(ended.StandardOutput, $@"^closed {Kernel}:\d+ after {Bytes} bytes \(retransmissions \d+, timeouts \d+, fast retransmits \d+\)$"));
        Assert.Contains($"usrnet: 1 connections, {Bytes} bytes echoed", ended.StandardOutput, StringComparison.Ordinal);
    }

    [LabFact("ping", "ss", LabScripts.Python)]
    public async Task AHundredConcurrentConnectionsEachGetTheirOwnBytesBack()
    {
        const int Connections = 100;
        const long Bytes = 64 * 1024;
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await lab.StartStackAsync("tcp-echo", $"{EchoPort}");

        // All 100 connect at once (one selector loop); each sends 64 KiB of its own seeded data.
        ProcessResult client = await lab.RunAsync(
            lab.Namespace,
            LabScripts.PythonCommand("tcp_echo_client.py", Stack, $"{EchoPort}", "--connections", $"{Connections}", "--bytes", $"{Bytes}", "--seed", "kce-100", "--stall", "15", "--deadline", "40"),
            TimeSpan.FromSeconds(45));
        await TcpPeers.WaitUntilAsync(() => TcpPeers.CountLines(echo.StandardOutput, "^closed ") >= Connections, TimeSpan.FromSeconds(5));
        ProcessResult ended = await LabStack.StopStackAsync(echo);

        Assert.True(client.Succeeded, $"{client}\n\ntcp-echo: {ended}");
        Assert.Equal((Connections, Connections, Connections * Bytes, Connections * Bytes), TcpPeers.EchoSummary(client));

        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        Assert.Equal(Connections, TcpPeers.CountLines(ended.StandardOutput, $@"^accepted {Kernel}:\d+$"));
        Assert.Equal(Connections, TcpPeers.CountLines(ended.StandardOutput, $@"^closed {Kernel}:\d+ after {Bytes} bytes \(retransmissions \d+, timeouts \d+, fast retransmits \d+\)$"));
        Assert.Contains($"usrnet: {Connections} connections, {Connections * Bytes} bytes echoed", ended.StandardOutput, StringComparison.Ordinal);
        // The exit's TCP totals are sums over every connection: each received its 64 KiB (the last ACKs
        // of the echo may still be on their way when the stack is stopped).
        IReadOnlyDictionary<string, long> tcp = ToolOutput.Counters(ended.StandardOutput, "tcp");
        Assert.Equal(Connections, ToolOutput.Counter(tcp, "Connections"));
        Assert.Equal(Connections * Bytes, ToolOutput.Counter(tcp, "BytesReceived"));
        Assert.InRange(ToolOutput.Counter(tcp, "BytesAcknowledged"), 1, Connections * Bytes);
        // At least a SYN-ACK, data and a FIN each (with offloads on a segment may carry 64 KiB).
        Assert.InRange(ToolOutput.Counter(tcp, "SegmentsSent"), 3 * Connections, long.MaxValue);
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        // Not asserted here (whether the tap's queue overflows under 100 initial windows at once is
        // timing): segments the stack built larger than the MTU. LossThroughTheGateway asserts it.
        output.WriteLine($"DroppedTooBig {ToolOutput.Counter(counters, "DroppedTooBig")}, DroppedQueueFull {ToolOutput.Counter(counters, "DroppedQueueFull")}");
    }
}
