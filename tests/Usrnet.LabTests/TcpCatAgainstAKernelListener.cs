using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// <c>usrnet tcp-cat</c> against a kernel listener beyond the gateway (scripts/tcp_hash_server.py in
/// the far namespace): 100 MB from stdin to the server, a half-close at end of input, then 100 MB of
/// the server's own data to stdout until the server closes. Both directions are compared by SHA-256.
/// </summary>
public sealed class TcpCatAgainstAKernelListener(ITestOutputHelper output)
{
    private const int ServerPort = 5001;
    private static readonly string Far = LabTopology.FarAddress.ToString();

    [LabFact("ping", "ss", LabScripts.Python)]
    public async Task AHundredMegabytesEachWayArriveIntact()
    {
        const long Bytes = 100_000_000;
        using LabTempDirectory files = new();
        string input = files.File("in");
        string received = files.File("out");
        string inputHash = await TcpPeers.WriteSeededFileAsync(input, Bytes, "tca-up");
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess server = lab.Start(lab.FarNamespace, LabScripts.PythonCommand("tcp_hash_server.py", $"{ServerPort}", "--send-bytes", $"{Bytes}", "--seed", "tca-down", "--stall", "15"));
        await TcpPeers.ExpectOutputAsync(server, "listening on", TimeSpan.FromSeconds(10));

        ProcessResult cat = await lab.RunAsync(
            lab.Namespace,
            TcpPeers.Shell($"exec {TcpPeers.Quote(UsrnetCli.Command(["tcp-cat", Far, $"{ServerPort}"]))} < {input} > {received}"),
            TimeSpan.FromSeconds(45));
        ProcessResult served = await server.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(cat.Succeeded, $"{cat}\n\nserver: {served}");
        Assert.Equal("", cat.StandardError);
        Assert.True(served.Succeeded, served.ToString());
        // What the server read is exactly the file...
        Assert.Equal((Bytes, inputHash), TcpPeers.HashServerLine(served.StandardOutput, "received"));
        // ...and what tcp-cat wrote is exactly what the server sent.
        (long Bytes, string Hash)? sent = TcpPeers.HashServerLine(served.StandardOutput, "sent");
        Assert.Equal(Bytes, sent?.Bytes);
        Assert.Equal(Bytes, new FileInfo(received).Length);
        Assert.Equal(sent?.Hash, TcpPeers.Sha256OfFile(received));
        output.WriteLine($"tcp-cat: {cat.Elapsed.TotalSeconds:F2} s for 100 MB each way; server: {served.StandardOutput}");
    }
}
