using System.Diagnostics;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// Every exit closes: when a command ends (SIGINT, SIGTERM, or its own end) its connections close as
/// the kernel closes an exiting process's sockets — a FIN after the queued data, a reset for what has
/// not finished within the linger — before the tap goes, so no kernel peer is left in ESTABLISHED,
/// FIN-WAIT or CLOSE-WAIT (checked with <c>ss -tan</c> in the namespace).
/// </summary>
public sealed class ExitsCloseConnections(ITestOutputHelper output)
{
    private const int SigInt = 2;
    private const int SigTerm = 15;
    private const int ServePort = 8080;
    private const int NcPort = 5002;
    private const int BenchWriterPort = 1235;

    /// <summary>
    /// The stack's linger (2 s) with room for a cold, loaded machine: a Debug build of serve beside a CPU
    /// burner has taken 8.3 s from the signal to its exit (Kestrel's grace, the linger, the reset). What is
    /// asserted is that nothing waits for a peer: curl's own limit is 60 s, an unended download at 20 KB/s longer.
    /// </summary>
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(20);

    /// <summary>tcp_rmem (min, default, max) for curl in the downloads: what it holds is read before a reset is seen.</summary>
    private const string KernelReceiveBuffer = "4096 16384 32768";

    /// <summary>The kernel states of a connection whose peer has not finished closing.</summary>
    private static readonly string[] s_unfinished = ["ESTAB", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "LAST-ACK", "SYN-SENT", "SYN-RECV", "CLOSING"];

    /// <summary>curl reads at 2 MB/s: the queued data drains and the FIN follows within the linger (curl: "transfer closed").</summary>
    [LabFact("curl", "ss")]
    public Task ServeStoppedBySigtermDuringADownloadClosesTheConnection() => ServeStoppedDuringADownloadAsync(SigTerm, "2M", 1_000_000);

    /// <summary>curl reads at 20 KB/s: the queued data cannot drain within the linger, so the connection is reset (curl: "Connection reset").</summary>
    [LabFact("curl", "ss")]
    public Task ServeStoppedBySigintDuringASlowDownloadResetsTheConnection() => ServeStoppedDuringADownloadAsync(SigInt, "20K", 16_000);

    [LabFact("nc", "ss")]
    public Task TcpCatStoppedBySigtermClosesItsConnectionToAKernelListener() => TcpCatInterruptedAsync(SigTerm);

    [LabFact("nc", "ss")]
    public Task TcpCatStoppedBySigintClosesItsConnectionToAKernelListener() => TcpCatInterruptedAsync(SigInt);

    private async Task ServeStoppedDuringADownloadAsync(int signal, string rate, long started)
    {
        using LabTempDirectory root = new();
        using LabTempDirectory downloads = new();
        await TcpPeers.WriteSeededFileAsync(root.File("big.bin"), 50_000_000, "exit-serve");
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess serve = await lab.StartStackAsync("serve", $"{ServePort}", "--root", root.Path);

        // curl reads slowly, so the download is in progress (and the stack's send buffer full) when the signal comes.
        // A reset reaches curl only after the data the kernel already holds for it: at 20 KB/s the ~120 KB an
        // autotuned receive buffer reaches (ss: Recv-Q 117275 a second after the signal, the reset accepted at
        // once, no TcpExtTCPChallengeACK) take 6 s to read, so curl ended up to 10 s after the signal. Capping
        // the namespace's tcp_rmem at 32 KiB bounds that to under 2 s; the namespace goes with the lab.
        (await lab.RunAsync(lab.Namespace, ["sysctl", "-qw", $"net.ipv4.tcp_rmem={KernelReceiveBuffer}"])).EnsureSuccess();
        string got = downloads.File("big.bin");
        BackgroundProcess curl = lab.Start(lab.Namespace, ["curl", "-sS", "--limit-rate", rate, "-m", "60", "-o", got, $"http://{LabTopology.StackAddress}:{ServePort}/big.bin"]);
        Assert.True(await TcpPeers.WaitUntilAsync(() => File.Exists(got) && new FileInfo(got).Length > started, TimeSpan.FromSeconds(20)), $"the download did not start: {curl}");

        Stopwatch sinceSignal = Stopwatch.StartNew();
        Assert.True(serve.Signal(signal));
        ProcessResult curled = await curl.WaitForExitAsync(ExitLimit);
        TimeSpan curlEnded = sinceSignal.Elapsed;
        ProcessResult ended = await serve.WaitForExitAsync(ExitLimit);
        output.WriteLine($"curl ended {curlEnded.TotalSeconds:F2} s after the signal: {curled}");

        Assert.False(ended.TimedOut, $"serve did not exit: {ended}");
        LabStack.AssertNoException(ended);
        Assert.False(curled.TimedOut, $"curl was left hanging: {curled}");
        Assert.NotEqual(0, curled.ExitCode); // a truncated transfer is an error for curl (18 or 56), said at once
        Assert.Contains("curl: (", curled.StandardError, StringComparison.Ordinal);
        await AssertNothingLeftAsync(lab, ServePort);
    }

    private async Task TcpCatInterruptedAsync(int signal)
    {
        await using Lab lab = await Lab.CreateAsync(output);
        // nc's stdin stays open, so it does not close first: the stack's close is what ends the connection.
        BackgroundProcess nc = lab.Start(lab.Namespace, ["nc", "-l", LabTopology.Gateway.ToString(), $"{NcPort}"]);
        Assert.True(await WaitAsync(async () => (await Ss(lab, "-ltnH")).Contains($":{NcPort} ", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), $"nc does not listen: {nc}");
        BackgroundProcess cat = lab.StartUsrnet(["tcp-cat", LabTopology.Gateway.ToString(), $"{NcPort}"]);
        await cat.StandardInput.WriteLineAsync("hello from the stack");
        await TcpPeers.ExpectOutputAsync(nc, "hello from the stack", LabStack.StartTimeout, cat);

        Assert.True(cat.Signal(signal));
        ProcessResult ended = await cat.WaitForExitAsync(ExitLimit);
        Assert.False(ended.TimedOut, $"tcp-cat did not exit: {ended}");
        LabStack.AssertNoException(ended);
        await AssertNothingLeftAsync(lab, NcPort);
        output.WriteLine($"tcp-cat: {ended}\nnc: {(nc.HasExited ? await nc.WaitForExitAsync(TimeSpan.FromSeconds(1)) : "still running")}");
    }

    [LabFact("ss", LabScripts.Python)]
    public async Task BenchWriterExitsRightAfterTheLastByteAndTheClientSeesTheClose()
    {
        const long Bytes = 10_000_000;
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess bench = await lab.StartStackAsync("bench", "writer", "--bytes", $"{Bytes}");

        // The client sends its bytes and keeps its side open: only the stack's close can end it.
        ProcessResult client = await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("tcp_send_then_wait.py", LabTopology.StackAddress.ToString(), $"{BenchWriterPort}", $"{Bytes}", "--wait", "20"), TimeSpan.FromSeconds(40));
        ProcessResult ended = await bench.WaitForExitAsync(ExitLimit);

        Assert.True(client.Succeeded, $"{client}\n\nbench: {ended}");
        Assert.Matches($@"^sent {Bytes}; peer closed by (fin|reset) after \d+\.\d+ s", client.StandardOutput);
        double closedAfter = double.Parse(client.StandardOutput.Split(' ')[^2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(closedAfter < 5, $"the close came {closedAfter} s after the last byte");
        Assert.False(ended.TimedOut, $"bench writer did not exit: {ended}");
        Assert.Equal(0, ended.ExitCode);
        Assert.Contains($"{Bytes} bytes in", ended.StandardOutput, StringComparison.Ordinal);
        await AssertNothingLeftAsync(lab, BenchWriterPort);
        output.WriteLine($"client: {client.StandardOutput.Trim()}; bench: {ended.StandardOutput.Trim()}");
    }

    /// <summary>
    /// Asserts that the kernel in the lab's namespace holds no connection with the stack on
    /// <paramref name="port"/> that has not finished (TIME-WAIT, after the kernel's own active close, is finished).
    /// </summary>
    private async Task AssertNothingLeftAsync(Lab lab, int port)
    {
        string stack = LabTopology.StackAddress.ToString();
        string[] left = [];
        string table = "";
        // The kernel handles the stack's last FIN or RST a moment after it was sent; poll briefly.
        bool clean = await WaitAsync(async () =>
        {
            table = await Ss(lab, "-tanH");
            left = [.. table.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(line => line.Contains($"{stack}:", StringComparison.Ordinal) && line.Contains($":{port} ", StringComparison.Ordinal))
                .Where(line => s_unfinished.Contains(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]))];
            return left.Length == 0;
        }, TimeSpan.FromSeconds(3));
        output.WriteLine($"ss -tan in {lab.Namespace}:\n{table}");
        Assert.True(clean, $"connections left in the kernel:\n{string.Join('\n', left)}");
    }

    private static async Task<string> Ss(Lab lab, string flags)
    {
        ProcessResult ss = await lab.RunAsync(lab.Namespace, ["ss", flags]);
        Assert.True(ss.Succeeded, ss.ToString());
        return ss.StandardOutput;
    }

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        Stopwatch waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed >= timeout)
            {
                return false;
            }
            await Task.Delay(100);
        }
        return true;
    }
}
