using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// Ctrl-C (SIGINT) in the middle of a command's work: it ends with exit code 130 and the one line
/// <c>usrnet: COMMAND: interrupted</c> on stderr, as every command does (SIGTERM: 143), whatever it was
/// doing: a TCP transfer, datagrams waiting for replies, a benchmark waiting for its client, a stack up.
/// </summary>
public sealed class Interrupts(ITestOutputHelper output)
{
    private const int SigintExitCode = 130;
    private static readonly string Kernel = LabTopology.Gateway.ToString();
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A kernel TCP server: listens, says so, sends one line to whoever connects, then keeps the connection open reading.</summary>
    private const string TalkingServer =
        "import socket,sys\n"
        + "s=socket.create_server((sys.argv[1],int(sys.argv[2])))\n"
        + "print('listening',flush=True)\n"
        + "c,_=s.accept()\n"
        + "c.sendall(b'from-the-kernel\\n')\n"
        + "while c.recv(65536): pass\n";

    [LabFact(LabScripts.Python)]
    public async Task TcpCatMidTransfer()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess server = lab.Start(lab.Namespace, [LabScripts.Python, "-u", "-c", TalkingServer, Kernel, "9000"]);
        await TcpPeers.ExpectOutputAsync(server, "listening", Timeout);
        // tcp-cat's stdin stays open and the kernel's side too: the transfer is in progress.
        BackgroundProcess cat = lab.StartUsrnet(["tcp-cat", Kernel, "9000"]);
        await TcpPeers.ExpectOutputAsync(cat, "from-the-kernel\n", Timeout, server);

        AssertInterrupted(await cat.InterruptAsync(Timeout), "tcp-cat");
    }

    [LabFact(LabScripts.Python)]
    public async Task UdpCatWaitingForReplies()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = lab.Start(lab.Namespace, LabScripts.PythonCommand("udp_echo_server.py", "9000", "--bind", Kernel));
        await TcpPeers.ExpectOutputAsync(echo, "listening on", Timeout);
        BackgroundProcess cat = lab.StartUsrnet(["udp-cat", Kernel, "9000"]);
        cat.StandardInput.WriteLine("first");
        await TcpPeers.ExpectOutputAsync(cat, "first\n", Timeout, echo);

        AssertInterrupted(await cat.InterruptAsync(Timeout), "udp-cat");
    }

    [LabFact]
    public async Task BenchReaderWaitingForItsClient()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess bench = await lab.StartStackAsync("bench", "reader", "--bytes", "1000");

        AssertInterrupted(await bench.InterruptAsync(Timeout), "bench reader");
    }

    [LabFact]
    public async Task UpPrintsItsCountersThenSaysInterrupted()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess up = await lab.StartStackAsync();

        ProcessResult ended = await up.InterruptAsync(Timeout);

        AssertInterrupted(ended, "up");
        Assert.Contains("usrnet: interface statistics\n", ended.StandardOutput, StringComparison.Ordinal);
    }

    private static void AssertInterrupted(ProcessResult result, string command)
    {
        Assert.False(result.TimedOut, $"did not exit within {Timeout.TotalSeconds} s of SIGINT: {result}");
        Assert.True(result.ExitCode == SigintExitCode, $"exit code {result.ExitCode}, not {SigintExitCode}: {result}");
        Assert.EndsWith($"usrnet: {command}: interrupted\n", result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("interrupted", StringComparison.Ordinal));
        LabStack.AssertNoException(result);
    }
}
