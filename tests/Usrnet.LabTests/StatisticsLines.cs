using Usrnet.Cli;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// <c>--stats-interval</c> of <c>tcp-echo</c> and <c>serve</c> (what bench/scale.sh reads): lines on stderr
/// that <see cref="ProcessStats.TryParse"/> reads back, counting a connection a kernel client holds open;
/// and <c>serve --kernel-sockets</c>, the benchmark's baseline, serving the same site on the kernel's
/// sockets in the far namespace.
/// </summary>
public sealed class StatisticsLines(ITestOutputHelper output)
{
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(20);

    [LabFact("nc")]
    public async Task TcpEchoCountsAHeldConnectionAndItsMemory() => await AssertCountsAHeldConnection(["tcp-echo", "7", "-q"], 7);

    [LabFact("nc")]
    public async Task ServeCountsAHeldConnectionAndItsMemory() => await AssertCountsAHeldConnection(["serve", "8080"], 8080);

    [LabFact("curl")]
    public async Task ServeOnKernelSocketsServesTheSameSite()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync("serve", "8080");
        BackgroundProcess kernel = lab.Start(lab.FarNamespace, UsrnetCli.Command(["serve", "8080", "--kernel-sockets"]));
        await TcpPeers.ExpectOutputAsync(kernel, "usrnet: listening on 0.0.0.0:8080/tcp, serving http://0.0.0.0:8080 on the kernel's sockets", LabStack.StartTimeout);

        ProcessResult overStack = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "-m", "15", $"http://{Stack}:8080/"], LineTimeout);
        ProcessResult overKernel = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "-m", "15", $"http://{LabTopology.FarAddress}:8080/"], LineTimeout);
        ProcessResult status = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "-m", "15", $"http://{LabTopology.FarAddress}:8080{"/usrnet/status"}"], LineTimeout);
        ProcessResult kernelEnded = await LabStack.StopStackAsync(kernel);
        ProcessResult stackEnded = await LabStack.StopStackAsync(stack);

        Assert.True(overStack.Succeeded && overKernel.Succeeded && status.Succeeded, $"{overStack}\n{overKernel}\n{status}\n\n{stackEnded}\n\n{kernelEnded}");
        Assert.StartsWith("usrnet serve: no --root given", overStack.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(overStack.StandardOutput, overKernel.StandardOutput);
        Assert.Equal("usrnet: kernel sockets (--kernel-sockets), no stack counters\n", status.StandardOutput);
        LabStack.AssertNoException(kernelEnded);
    }

    /// <summary>Starts <c>usrnet args… --stats-interval 0.2</c>, holds one kernel connection to <paramref name="port"/>, and reads the lines.</summary>
    private async Task AssertCountsAHeldConnection(string[] args, int port)
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync([.. args, "--stats-interval", "0.2"]);
        Assert.True(await stack.WaitForOutputAsync("usrnet: 0 connections, rss ", LineTimeout), $"no line with 0 connections: {stack.StandardError}");

        // nc connects and sends nothing: its stdin, a pipe from the test, stays open until it is stopped.
        BackgroundProcess client = lab.Start(lab.Namespace, ["nc", Stack, $"{port}"]);
        bool counted = await stack.WaitForOutputAsync("usrnet: 1 connections, rss ", LineTimeout);
        await client.StopAsync();
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        Assert.True(counted, $"no line with the held connection: {ended}");
        string[] lines = [.. ended.StandardError.Split('\n').Where(l => l.StartsWith("usrnet: ", StringComparison.Ordinal) && l.Contains(" connections, rss ", StringComparison.Ordinal))];
        Assert.True(lines.Length >= 2, ended.StandardError);
        foreach (string line in lines)
        {
            Assert.True(ProcessStats.TryParse(line, out ProcessStats.Sample sample), $"does not parse: '{line}'");
            Assert.InRange(sample.Connections, 0, 1);
            Assert.True(sample.ResidentBytes > 0 && sample.GcHeapBytes > 0 && sample.GcCommittedBytes > 0, line);
            Assert.Equal(line, ProcessStats.Format(sample));
        }
        output.WriteLine(string.Join('\n', lines));
    }
}
