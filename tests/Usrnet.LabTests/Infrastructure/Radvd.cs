using System.Globalization;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// radvd as the lab's IPv6 router on the near namespace's tap (docs/articles/design.md §7), run command-line
/// (<c>-n</c>: no daemon, no system service) with a config file and pid file of its own in a directory
/// that is removed with it. It advertises <see cref="LabTopology.TapPrefix6"/> (on-link, autonomous),
/// an MTU option of <see cref="Mtu"/> and an RDNSS option naming <see cref="LabTopology.TapCidr6"/>'s
/// address, every 3 to 4 s, and answers router solicitations. Needs a lab built with IPv6 on the tap.
/// <code>
/// await using Lab lab = await Lab.CreateAsync(output, ipv6OnTap: true);
/// await using Radvd radvd = await Radvd.StartAsync(lab);
/// </code>
/// </summary>
public sealed class Radvd : IAsyncDisposable
{
    /// <summary>The program's name, for <see cref="LabFactAttribute"/>.</summary>
    public const string Tool = "radvd";

    /// <summary>The link MTU advertised (RFC 4861 §4.6.4), below the tap's 1500 so a stack can be seen to take it.</summary>
    public const int Mtu = 1400;

    /// <summary>RDNSS lifetime advertised, in seconds (RFC 8106 §5.1: at least MaxRtrAdvInterval).</summary>
    public const int RdnssLifetimeSeconds = 30;

    private readonly string _directory;

    private Radvd(BackgroundProcess process, string directory)
    {
        Process = process;
        _directory = directory;
    }

    /// <summary>The running radvd (its log goes to stderr: <c>-m stderr</c>).</summary>
    public BackgroundProcess Process { get; }

    /// <summary>The config file radvd reads.</summary>
    public string ConfigFile => Path.Combine(_directory, "radvd.conf");

    /// <summary>The pid file radvd writes while it runs and removes when it exits.</summary>
    public string PidFile => Path.Combine(_directory, "radvd.pid");

    /// <summary>The config: the tap, the lab's prefix, an MTU and an RDNSS option (radvd.conf(5)).</summary>
    public static string Config(string tapName) => string.Create(CultureInfo.InvariantCulture, $$"""
        interface {{tapName}}
        {
            AdvSendAdvert on;
            MinRtrAdvInterval 3;
            MaxRtrAdvInterval 4;
            AdvLinkMTU {{Mtu}};
            prefix {{LabTopology.TapPrefix6}}
            {
                AdvOnLink on;
                AdvAutonomous on;
            };
            RDNSS {{LabTopology.TapCidr6.Address}}
            {
                AdvRDNSSLifetime {{RdnssLifetimeSeconds}};
            };
        };

        """);

    /// <summary>
    /// Writes the config and starts radvd in <paramref name="lab"/>'s near namespace, then waits until it
    /// says it started and has written its pid file. The lab also stops it on dispose.
    /// </summary>
    public static async Task<Radvd> StartAsync(Lab lab)
    {
        if (!lab.Topology.Ipv6OnTap)
        {
            throw new InvalidOperationException("radvd needs a lab with IPv6 on the tap: Lab.CreateAsync(..., ipv6OnTap: true)");
        }
        string directory = Directory.CreateTempSubdirectory("usrnet-radvd-").FullName;
        string config = Path.Combine(directory, "radvd.conf");
        await File.WriteAllTextAsync(config, Config(lab.TapName)).ConfigureAwait(false);
        Radvd radvd = new(lab.Start(lab.Namespace, ["radvd", "-n", "-m", "stderr", "-C", config, "-p", Path.Combine(directory, "radvd.pid")]), directory);
        if (!await radvd.Process.WaitForOutputAsync("started", TimeSpan.FromSeconds(10)).ConfigureAwait(false)
            || !await WaitForFileAsync(radvd.PidFile, TimeSpan.FromSeconds(5)).ConfigureAwait(false))
        {
            string log = radvd.Process.StandardError;
            await radvd.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"radvd did not start:\n{log}");
        }
        return radvd;
    }

    /// <summary>Stops radvd (SIGTERM: it sends a last advertisement with router lifetime 0) and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await Process.StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Already gone: a leftover temp directory at worst, not a failure.
        }
    }

    private static async Task<bool> WaitForFileAsync(string path, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        return true;
    }
}
