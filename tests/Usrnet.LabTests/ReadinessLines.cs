using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// Every long-running stack command prints one line on stdout when it really accepts traffic
/// (<c>usrnet: 10.0.0.102/24 on tap0 up</c>, <c>usrnet: listening on 10.0.0.102:7/udp</c>), and a kernel
/// client that connects the moment the line appears is served: no sleep, no retry, no ping first.
/// </summary>
public sealed class ReadinessLines(ITestOutputHelper output)
{
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(20);

    [LabFact("ping")]
    public async Task UpAnswersTheFirstPingSentAfterItsLine()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess up = await StartAsync(lab, ["up"], $"usrnet: {LabTopology.StackCidr} on tap0 up, via {LabTopology.Gateway}, MAC {LabTopology.StackMac}; Ctrl-C to stop\n");

        // One request only: -W bounds the wait for its reply, there is no second chance.
        ProcessResult ping = await lab.RunAsync(lab.Namespace, ["ping", "-n", "-c", "1", "-W", "10", Stack], ClientTimeout);

        Assert.True(ping.Succeeded, $"{ping}\n\n{await LabStack.StopStackAsync(up)}");
    }

    [LabFact("socat")]
    public async Task UdpEchoAnswersTheFirstDatagramSentAfterItsLine()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await StartAsync(lab, ["udp-echo", "7"], $"usrnet: listening on {Stack}:7/udp, echo (RFC 862); Ctrl-C to stop\n");

        ProcessResult client = await lab.RunAsync(lab.Namespace, ["socat", "-t", "10", "-", $"UDP:{Stack}:7"], ClientTimeout, stdin: "first datagram\n");

        Assert.True(client.Succeeded, $"{client}\n\n{await LabStack.StopStackAsync(echo)}");
        Assert.Equal("first datagram\n", client.StandardOutput);
    }

    [LabFact("nc")]
    public async Task TcpEchoAcceptsTheFirstConnectionMadeAfterItsLine()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await StartAsync(lab, ["tcp-echo", "7"], $"usrnet: listening on {Stack}:7/tcp, echo (RFC 862); Ctrl-C to stop\n");

        ProcessResult client = await lab.RunAsync(lab.Namespace, ["nc", "-N", "-w", "10", Stack, "7"], ClientTimeout, stdin: "first connection\n");

        Assert.True(client.Succeeded, $"{client}\n\n{await LabStack.StopStackAsync(echo)}");
        Assert.Equal("first connection\n", client.StandardOutput);
    }

    [LabFact("curl")]
    public async Task ServeAnswersTheFirstRequestMadeAfterItsLine()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess serve = await StartAsync(lab, ["serve", "8080"], $"usrnet: listening on {Stack}:8080/tcp, serving http://{Stack}:8080 (status: http://{Stack}:8080/usrnet/status); Ctrl-C to stop\n");

        // No --retry: a refused connection (Kestrel not yet listening) fails the test.
        ProcessResult curl = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "-m", "15", $"http://{Stack}:8080/usrnet/status"], ClientTimeout);

        Assert.True(curl.Succeeded, $"{curl}\n\n{await LabStack.StopStackAsync(serve)}");
        Assert.StartsWith($"usrnet: {LabTopology.StackCidr}", curl.StandardOutput, StringComparison.Ordinal);
    }

    [LabFact("nc")]
    public async Task BenchReaderSendsToTheFirstClientAfterItsLine()
    {
        const int Bytes = 100_000;
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess bench = await StartAsync(lab, ["bench", "reader", "--bytes", $"{Bytes}"], $"usrnet: listening on {Stack}:1234/tcp, bench reader: will send {Bytes} bytes\n");

        ProcessResult client = await lab.RunAsync(lab.Namespace, TcpPeers.Shell($"nc -d -w 10 {Stack} 1234 | wc -c"), ClientTimeout);
        ProcessResult ended = await bench.WaitForExitAsync(ClientTimeout);

        Assert.True(client.Succeeded, $"{client}\n\n{ended}");
        Assert.Equal($"{Bytes}", client.StandardOutput.Trim());
        Assert.Equal(0, ended.ExitCode);
    }

    /// <summary>Starts <c>usrnet args…</c> and waits for exactly <paramref name="line"/> on its stdout (the only wait before connecting).</summary>
    private static async Task<BackgroundProcess> StartAsync(Lab lab, IReadOnlyList<string> args, string line)
    {
        BackgroundProcess stack = lab.StartUsrnet(args);
        await TcpPeers.ExpectOutputAsync(stack, line, LabStack.StartTimeout);
        Assert.Contains(line, stack.StandardOutput, StringComparison.Ordinal);
        return stack;
    }
}
