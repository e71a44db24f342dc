using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// The TAP's two modes against a kernel client (scripts/tcp_echo_client.py in the near namespace) and
/// <c>usrnet tcp-echo</c>: 50 MB both ways at once, SHA-256 equal. With <c>--offload on</c> the stack
/// and the kernel hand each other TCP segments larger than the MTU whole (seen by <c>tcpdump -i tap0
/// -s 0</c> in the namespace, and in the stack's own frame counts); with <c>--offload off</c> no frame
/// is larger than an Ethernet frame of the MTU.
/// </summary>
public sealed class TapOffloads(ITestOutputHelper output)
{
    private const int EchoPort = 7;
    private const long Bytes = 50_000_000;
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly string Kernel = LabTopology.Gateway.ToString();

    [LabFact("ping", "ss", "tcpdump", LabScripts.Python)]
    public async Task WithOffloadsSegmentsLargerThanTheMtuCrossBothWaysAndTheBytesComeBackIdentical()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await lab.StartStackAsync("tcp-echo", $"{EchoPort}", "--offload", "on");
        BackgroundProcess toKernel = await LargeFrameCapture.StartAsync(lab, Stack, Kernel, echo);
        BackgroundProcess toStack = await LargeFrameCapture.StartAsync(lab, Kernel, Stack, echo, toKernel);

        (ProcessResult client, ProcessResult ended) = await EchoAsync(lab, echo, "tap-offload-on");
        ProcessResult fromStack = await toKernel.StopAsync();
        ProcessResult fromKernel = await toStack.StopAsync();

        AssertEchoedIdentical(client, ended);
        Assert.DoesNotContain("offloads unavailable", ended.StandardError, StringComparison.Ordinal);
        IReadOnlyList<int> sent = LargeFrameCapture.AssertSeen(fromStack, Stack, Kernel);
        IReadOnlyList<int> received = LargeFrameCapture.AssertSeen(fromKernel, Kernel, Stack);
        output.WriteLine($"largest frames: stack -> kernel {sent.Max()} bytes, kernel -> stack {received.Max()} bytes");
        // The stack's own view: on average each frame it sent and received carried more than one Ethernet frame of the MTU.
        (double averageSent, double averageReceived) = AverageFrameLengths(ended);
        Assert.True(averageSent > LargeFrameCapture.LargestFrameWithinMtu, $"frames sent average {averageSent:F0} bytes: {ended}");
        Assert.True(averageReceived > LargeFrameCapture.LargestFrameWithinMtu, $"frames received average {averageReceived:F0} bytes: {ended}");
    }

    [LabFact("ping", "ss", "tcpdump", LabScripts.Python)]
    public async Task WithoutOffloadsNoFrameIsLargerThanTheMtuAndTheBytesComeBackIdentical()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await lab.StartStackAsync("tcp-echo", $"{EchoPort}", "--offload", "off");
        BackgroundProcess toKernel = await LargeFrameCapture.StartAsync(lab, Stack, Kernel, echo);
        BackgroundProcess toStack = await LargeFrameCapture.StartAsync(lab, Kernel, Stack, echo, toKernel);

        (ProcessResult client, ProcessResult ended) = await EchoAsync(lab, echo, "tap-offload-off");
        ProcessResult fromStack = await toKernel.StopAsync();
        ProcessResult fromKernel = await toStack.StopAsync();

        AssertEchoedIdentical(client, ended);
        Assert.Empty(LargeFrameCapture.Lengths(fromStack, Stack, Kernel));
        Assert.Empty(LargeFrameCapture.Lengths(fromKernel, Kernel, Stack));
        // The same captures find such frames with offloads (the test above); here the stack counted
        // at least one frame per MSS of data each way, none of them on average larger than the MTU allows.
        const int Mss = 1460;
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "FramesSent") >= Bytes / Mss, ended.ToString());
        Assert.True(ToolOutput.Counter(counters, "FramesReceived") >= Bytes / Mss, ended.ToString());
        (double averageSent, double averageReceived) = AverageFrameLengths(ended);
        Assert.True(averageSent <= LargeFrameCapture.LargestFrameWithinMtu, $"frames sent average {averageSent:F0} bytes: {ended}");
        Assert.True(averageReceived <= LargeFrameCapture.LargestFrameWithinMtu, $"frames received average {averageReceived:F0} bytes: {ended}");
    }

    /// <summary>Runs the kernel client against the echo, waits for the connection to close there, and stops the stack.</summary>
    private static async Task<(ProcessResult Client, ProcessResult Stack)> EchoAsync(Lab lab, BackgroundProcess echo, string seed)
    {
        ProcessResult client = await lab.RunAsync(
            lab.Namespace,
            LabScripts.PythonCommand("tcp_echo_client.py", Stack, $"{EchoPort}", "--bytes", $"{Bytes}", "--seed", seed, "--stall", "15", "--deadline", "40"),
            TimeSpan.FromSeconds(45));
        await TcpPeers.WaitUntilAsync(() => echo.StandardOutput.Contains("closed ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        return (client, await LabStack.StopStackAsync(echo));
    }

    private void AssertEchoedIdentical(ProcessResult client, ProcessResult ended)
    {
        Assert.True(client.Succeeded, $"{client}\n\ntcp-echo: {ended}");
        Assert.Equal((1, 1, Bytes, Bytes), TcpPeers.EchoSummary(client));
        (string sentHash, string receivedHash) = TcpPeers.EchoHashes(client);
        Assert.Equal(sentHash, receivedHash);
        output.WriteLine($"50 MB echoed: sha256 {sentHash}");
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        Assert.Contains($"usrnet: 1 connections, {Bytes} bytes echoed", ended.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>Bytes per frame the stack sent and received, from its interface statistics.</summary>
    private (double Sent, double Received) AverageFrameLengths(ProcessResult ended)
    {
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        double sent = (double)ToolOutput.Counter(counters, "BytesSent") / ToolOutput.Counter(counters, "FramesSent");
        double received = (double)ToolOutput.Counter(counters, "BytesReceived") / ToolOutput.Counter(counters, "FramesReceived");
        output.WriteLine($"stack: {ToolOutput.Counter(counters, "FramesSent")} frames sent ({sent:F0} bytes each), {ToolOutput.Counter(counters, "FramesReceived")} received ({received:F0} bytes each)");
        return (sent, received);
    }
}
