namespace Usrnet.LabTests;

/// <summary>
/// <c>usrnet tcp-cat</c> against a kernel <c>tcp_hash_server.py</c>, one direction after the other,
/// each with its own end-to-end SHA-256: a file of seeded bytes goes from the stack to the server,
/// which hashes what it reads; then the server's own seeded bytes come back into a file the test
/// hashes. A test prepares it (input file written, server listening), may start observers, runs it,
/// then asserts:
/// <code>
/// using TcpCatExchange exchange = await TcpCatExchange.PrepareAsync(lab, lab.FarNamespace, Far, 5001, 20_000_000, "seed");
/// await exchange.RunAsync(["--offload", "on"], TimeSpan.FromSeconds(45));
/// exchange.AssertEachWayIdentical();
/// </code>
/// </summary>
public sealed class TcpCatExchange : IDisposable
{
    private static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly Lab _lab;
    private readonly string _serverNamespace;
    private readonly string _address;
    private readonly int _port;
    private readonly LabTempDirectory _files = new();
    private BackgroundProcess? _server;
    private string _inputHash = "";

    private TcpCatExchange(Lab lab, string serverNamespace, string address, int port, long bytes)
    {
        _lab = lab;
        _serverNamespace = serverNamespace;
        _address = address;
        _port = port;
        Bytes = bytes;
    }

    /// <summary>Bytes each way.</summary>
    public long Bytes { get; }

    /// <summary>How tcp-cat ended (after <see cref="RunAsync"/>).</summary>
    public ProcessResult? Cat { get; private set; }

    /// <summary>How the server ended, with its "received" and "sent" lines (after <see cref="RunAsync"/>).</summary>
    public ProcessResult? Server { get; private set; }

    /// <summary>Empty, or what each side had done when tcp-cat had not finished by the deadline.</summary>
    public string Stalled { get; private set; } = "";

    /// <summary>Everything a failure message needs.</summary>
    public string Report => $"{Stalled}tcp-cat: {Cat}\n\nserver: {Server}";

    private string InputFile => _files.File("in");

    private string ReceivedFile => _files.File("out");

    /// <summary>
    /// Writes <paramref name="bytes"/> seeded bytes to send (within <paramref name="seedingTimeout"/>,
    /// default 30 s), and starts the server in <paramref name="serverNamespace"/> on
    /// <paramref name="address"/>:<paramref name="port"/>, returning once it listens.
    /// </summary>
    public static async Task<TcpCatExchange> PrepareAsync(Lab lab, string serverNamespace, string address, int port, long bytes, string seed, TimeSpan? seedingTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(lab);
        TcpCatExchange exchange = new(lab, serverNamespace, address, port, bytes);
        try
        {
            exchange._inputHash = await TcpPeers.WriteSeededFileAsync(exchange.InputFile, bytes, $"{seed}-up", seedingTimeout).ConfigureAwait(false);
            exchange._server = lab.Start(serverNamespace, LabScripts.PythonCommand(
                "tcp_hash_server.py", $"{port}", "--bind", address, "--send-bytes", $"{bytes}", "--seed", $"{seed}-down", "--stall", "30", "--accept-timeout", "60"));
            await TcpPeers.ExpectOutputAsync(exchange._server, "listening on", ListenTimeout).ConfigureAwait(false);
            return exchange;
        }
        catch
        {
            exchange.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <c>usrnet tcp-cat ADDRESS PORT stackOptions…</c> in the near namespace, input from the file,
    /// output to the other; when it has not finished within <paramref name="deadline"/>, records how far
    /// each side got and the kernel's <c>ss -tin</c> before stopping both.
    /// </summary>
    public async Task RunAsync(IReadOnlyList<string> stackOptions, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(stackOptions);
        BackgroundProcess server = _server ?? throw new InvalidOperationException("not prepared");
        IReadOnlyList<string> usrnet = UsrnetCli.Command(["tcp-cat", _address, $"{_port}", .. stackOptions]);
        BackgroundProcess cat = _lab.Start(_lab.Namespace, TcpPeers.Shell($"exec {TcpPeers.Quote(usrnet)} < {InputFile} > {ReceivedFile}"));
        if (!await TcpPeers.WaitUntilAsync(() => cat.HasExited, deadline).ConfigureAwait(false))
        {
            // Before anything is stopped: how far each side got, and the kernel's view of the connection.
            ProcessResult ss = await _lab.RunAsync(_serverNamespace, ["ss", "-tin"]).ConfigureAwait(false);
            Stalled = $"tcp-cat had not finished after {deadline.TotalSeconds} s: {new FileInfo(ReceivedFile).Length} bytes written to stdout\n"
                + $"kernel server so far:\n{server.StandardOutput}\nss -tin where the server is:\n{ss.StandardOutput}\n";
        }
        Cat = await cat.StopAsync(StopGrace).ConfigureAwait(false);
        Server = await server.StopAsync(StopGrace).ConfigureAwait(false);
    }

    /// <summary>
    /// Both ended well, the server read exactly the file's bytes (same count and SHA-256), and the file
    /// tcp-cat wrote holds exactly the bytes the server sent.
    /// </summary>
    public void AssertEachWayIdentical()
    {
        Assert.True(Cat is not null && Server is not null, "the exchange has not run");
        Assert.True(Stalled.Length == 0 && Cat.Succeeded, Report);
        Assert.True(Server.Succeeded, Report);
        Assert.Equal((Bytes, _inputHash), TcpPeers.HashServerLine(Server.StandardOutput, "received"));
        (long Bytes, string Hash)? sent = TcpPeers.HashServerLine(Server.StandardOutput, "sent");
        Assert.Equal(Bytes, sent?.Bytes);
        Assert.Equal(Bytes, new FileInfo(ReceivedFile).Length);
        Assert.Equal(sent?.Hash, TcpPeers.Sha256OfFile(ReceivedFile));
    }

    /// <inheritdoc/>
    public void Dispose() => _files.Dispose();
}
