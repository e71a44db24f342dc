namespace Usrnet.LabTests;

/// <summary>
/// dnsmasq as the lab's DHCP and DNS server, on the near namespace's tap (docs/articles/design.md §3). The command
/// line never lets it reach a resolver outside the lab (<c>--no-resolv</c>), answers NXDOMAIN rather
/// than REFUSED for unknown names under <see cref="Domain"/> (<c>--local</c>), and keeps its lease file
/// in a directory of its own that is removed with it.
/// <code>
/// await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, ["--address=/www.example.test/10.0.1.2"]);
/// </code>
/// </summary>
public sealed class Dnsmasq : IAsyncDisposable
{
    /// <summary>The domain dnsmasq answers for authoritatively (<c>--local=/example.test/</c>).</summary>
    public const string Domain = "example.test";

    /// <summary>The program's name, for <see cref="LabFactAttribute"/>.</summary>
    public const string Tool = "dnsmasq";

    private readonly string _directory;

    private Dnsmasq(BackgroundProcess process, string directory)
    {
        Process = process;
        _directory = directory;
    }

    /// <summary>The running dnsmasq (its log goes to stderr: <c>--log-facility=-</c>).</summary>
    public BackgroundProcess Process { get; }

    /// <summary>The lease file dnsmasq writes (one line per lease: expiry, MAC, address, name, client id).</summary>
    public string LeaseFile => Path.Combine(_directory, "dnsmasq.leases");

    /// <summary>
    /// Starts dnsmasq in <paramref name="lab"/>'s near namespace with the safe base command line plus
    /// <paramref name="options"/> (e.g. <c>--dhcp-range=10.0.0.150,10.0.0.199,2m</c>,
    /// <c>--dhcp-option=58,20</c>, <c>--address=/www.example.test/10.0.1.2</c>, <c>--log-queries</c>), and
    /// waits until it has opened its sockets. The lab also stops it on dispose.
    /// </summary>
    public static async Task<Dnsmasq> StartAsync(Lab lab, IEnumerable<string> options)
    {
        string directory = Directory.CreateTempSubdirectory("usrnet-dnsmasq-").FullName;
        Dnsmasq dnsmasq = new(lab.Start(lab.Namespace,
        [
            "dnsmasq", "--conf-file=/dev/null", "--no-daemon", "--bind-interfaces", $"--interface={lab.TapName}",
            "--except-interface=lo", "--no-resolv", "--no-hosts", $"--local=/{Domain}/",
            $"--dhcp-leasefile={Path.Combine(directory, "dnsmasq.leases")}", "--pid-file=", "--log-facility=-",
            .. options,
        ]), directory);
        // "started" comes after the DNS sockets are bound; the DHCP lines after that, before the first query.
        if (!await dnsmasq.Process.WaitForOutputAsync("cleared cache", TimeSpan.FromSeconds(10)).ConfigureAwait(false))
        {
            string log = dnsmasq.Process.StandardError;
            await dnsmasq.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"dnsmasq did not start:\n{log}");
        }
        return dnsmasq;
    }

    /// <summary>Stops dnsmasq (SIGTERM) and removes its lease directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await Process.StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Already gone, or still written by a dying dnsmasq: a leftover temp directory, not a failure.
        }
    }
}
