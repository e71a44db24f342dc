using Usrnet.Wire;

namespace Usrnet.Cli.Lab;

/// <summary>
/// The lab of docs/articles/design.md §3 and §7, the one place that names its namespaces, links and addresses:
/// <code>
/// stack 10.0.0.102 =tap0=> [NS: 10.0.0.101 on tap0, 10.0.1.1 on r0, forwards] --veth--> [NS-far: 10.0.1.2 on f0]
///                          [    fd00:0:0:1::1/64     fd00:0:0:2::1/64       ]           [        fd00:0:0:2::2/64]
/// </code>
/// The veth pair always carries IPv6 (the far host's default route via fd00:0:0:2::1); the tap does only
/// when <see cref="Ipv6OnTap"/>, since otherwise the kernel's MLD reports and router traffic would reach
/// the stack and fill IPv4 captures.
/// <c>usrnet lab up/down</c> and the lab tests both build it through <see cref="Create"/> and
/// <see cref="Delete"/>, so the tests exercise exactly what the CLI sets up.
/// </summary>
public sealed class LabTopology
{
    /// <summary>Namespace used when none is given.</summary>
    public const string DefaultNamespace = "usrnet";

    /// <summary>The far namespace is the near one's name with this suffix.</summary>
    public const string FarSuffix = "-far";

    /// <summary>The TAP device in the near namespace, which the stack attaches to.</summary>
    public const string DefaultTapName = "tap0";

    /// <summary>The near namespace's end of the veth pair.</summary>
    public const string RouterLink = "r0";

    /// <summary>The far namespace's end of the veth pair.</summary>
    public const string FarLink = "f0";

    /// <summary>Longest accepted namespace name (iproute2 keeps them as files under /run/netns).</summary>
    public const int MaxNamespaceLength = 64;

    private const string NetnsRunDirectory = "/run/netns";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The stack's address and prefix: 10.0.0.102/24.</summary>
    public static Ipv4Cidr StackCidr { get; } = Ipv4Cidr.Parse("10.0.0.102/24");

    /// <summary>The stack's MAC address: 06:11:22:33:44:55 (locally administered, unicast).</summary>
    public static EthernetAddress StackMac { get; } = EthernetAddress.Parse("06:11:22:33:44:55");

    /// <summary>The near namespace's address on the tap, the stack's gateway: 10.0.0.101/24.</summary>
    public static Ipv4Cidr TapCidr { get; } = Ipv4Cidr.Parse("10.0.0.101/24");

    /// <summary>The near namespace's address on <see cref="RouterLink"/>: 10.0.1.1/24.</summary>
    public static Ipv4Cidr RouterCidr { get; } = Ipv4Cidr.Parse("10.0.1.1/24");

    /// <summary>The far namespace's address on <see cref="FarLink"/>: 10.0.1.2/24.</summary>
    public static Ipv4Cidr FarCidr { get; } = Ipv4Cidr.Parse("10.0.1.2/24");

    /// <summary>The near namespace's IPv6 address on the tap, the stack's router: fd00:0:0:1::1/64.</summary>
    public static Ipv6Cidr TapCidr6 { get; } = Ipv6Cidr.Parse("fd00:0:0:1::1/64");

    /// <summary>The near namespace's IPv6 address on <see cref="RouterLink"/>: fd00:0:0:2::1/64.</summary>
    public static Ipv6Cidr RouterCidr6 { get; } = Ipv6Cidr.Parse("fd00:0:0:2::1/64");

    /// <summary>The far namespace's IPv6 address on <see cref="FarLink"/>: fd00:0:0:2::2/64.</summary>
    public static Ipv6Cidr FarCidr6 { get; } = Ipv6Cidr.Parse("fd00:0:0:2::2/64");

    /// <summary>The prefix on the tap's link that router advertisements announce: fd00:0:0:1::/64.</summary>
    public static Ipv6Cidr TapPrefix6 => new(TapCidr6.Network, TapCidr6.PrefixLength);

    /// <summary>The stack's address: 10.0.0.102.</summary>
    public static Ipv4Address StackAddress => StackCidr.Address;

    /// <summary>The stack's default gateway (the near namespace on the tap): 10.0.0.101.</summary>
    public static Ipv4Address Gateway => TapCidr.Address;

    /// <summary>The host beyond the gateway: 10.0.1.2.</summary>
    public static Ipv4Address FarAddress => FarCidr.Address;

    /// <summary>
    /// Describes the lab in namespace <paramref name="ns"/> (and <c>ns-far</c>) with tap <paramref name="tapName"/>;
    /// <paramref name="ipv6OnTap"/> gives the tap <see cref="TapCidr6"/> instead of disabling IPv6 on it.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not valid.</exception>
    public LabTopology(string ns = DefaultNamespace, string tapName = DefaultTapName, bool ipv6OnTap = false)
    {
        Ipv6OnTap = ipv6OnTap;
        if (ValidateNamespace(ns) is string nsError)
        {
            throw new ArgumentException(nsError, nameof(ns));
        }
        if (InterfaceName.Validate(tapName) is string tapError)
        {
            throw new ArgumentException(tapError, nameof(tapName));
        }
        Namespace = ns;
        TapName = tapName;
    }

    /// <summary>The near namespace: holds the tap, routes and forwards.</summary>
    public string Namespace { get; }

    /// <summary>The far namespace: a host one hop beyond the gateway.</summary>
    public string FarNamespace => Namespace + FarSuffix;

    /// <summary>The TAP device's name inside <see cref="Namespace"/>.</summary>
    public string TapName { get; }

    /// <summary>True when the tap carries IPv6 (<see cref="TapCidr6"/>); false when IPv6 is disabled on it.</summary>
    public bool Ipv6OnTap { get; }

    /// <summary>Returns null when <paramref name="ns"/> is an acceptable namespace name, else why not.</summary>
    public static string? ValidateNamespace(string? ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            return "a namespace name cannot be empty";
        }
        if (ns.Length > MaxNamespaceLength || ns[0] is '-' or '.' || !ns.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return $"'{ns}' is not a usable namespace name (letters, digits, '-', '_', '.'; at most {MaxNamespaceLength}; not starting with '-' or '.')";
        }
        return null;
    }

    /// <summary>True when a namespace of that name exists (as <c>ip netns add</c> records it).</summary>
    public static bool NamespaceExists(string ns) => File.Exists(Path.Combine(NetnsRunDirectory, ns));

    /// <summary>The commands that build the lab, in order (docs/articles/design.md §3, §7).</summary>
    public IReadOnlyList<IReadOnlyList<string>> CreateCommands() =>
    [
        ["ip", "netns", "add", Namespace],
        // Before any link exists, so every one inherits it: the kernel's duplicate address detection holds
        // each address, link-local ones included, tentative for a second or more (RFC 4862 §5.4), during
        // which it cannot be a source and a test would race it; the lab's addresses are unique by design.
        Sysctl(Namespace, "net.ipv6.conf.default.accept_dad=0"),
        ["ip", "-n", Namespace, "link", "set", "lo", "up"],
        ["ip", "-n", Namespace, "tuntap", "add", "dev", TapName, "mode", "tap"],
        .. TapAddressCommands(),
        ["ip", "-n", Namespace, "link", "set", TapName, "up"],
        ["ip", "netns", "add", FarNamespace],
        Sysctl(FarNamespace, "net.ipv6.conf.default.accept_dad=0"),
        ["ip", "-n", FarNamespace, "link", "set", "lo", "up"],
        ["ip", "-n", Namespace, "link", "add", RouterLink, "type", "veth", "peer", "name", FarLink, "netns", FarNamespace],
        ["ip", "-n", Namespace, "addr", "add", RouterCidr.ToString(), "dev", RouterLink],
        ["ip", "-n", Namespace, "addr", "add", RouterCidr6.ToString(), "dev", RouterLink, "nodad"],
        ["ip", "-n", Namespace, "link", "set", RouterLink, "up"],
        ["ip", "-n", FarNamespace, "addr", "add", FarCidr.ToString(), "dev", FarLink],
        ["ip", "-n", FarNamespace, "addr", "add", FarCidr6.ToString(), "dev", FarLink, "nodad"],
        ["ip", "-n", FarNamespace, "link", "set", FarLink, "up"],
        ["ip", "-n", FarNamespace, "route", "add", "default", "via", RouterCidr.Address.ToString()],
        ["ip", "-n", FarNamespace, "-6", "route", "add", "default", "via", RouterCidr6.Address.ToString(), "dev", FarLink],
        Sysctl(Namespace, "net.ipv4.ip_forward=1"),
        // A router neither sends router solicitations nor takes advertisements (RFC 4861 §6.2.1).
        Sysctl(Namespace, "net.ipv6.conf.all.forwarding=1"),
    ];

    private IReadOnlyList<IReadOnlyList<string>> TapAddressCommands() => Ipv6OnTap
        ?
        [
            ["ip", "-n", Namespace, "addr", "add", TapCidr.ToString(), "dev", TapName],
            ["ip", "-n", Namespace, "addr", "add", TapCidr6.ToString(), "dev", TapName, "nodad"],
        ]
        :
        [
            // Before the first attach, so the kernel never sends router solicitations or DAD probes to the stack.
            Sysctl(Namespace, $"net.ipv6.conf.{TapName}.disable_ipv6=1"),
            ["ip", "-n", Namespace, "addr", "add", TapCidr.ToString(), "dev", TapName],
        ];

    private static IReadOnlyList<string> Sysctl(string ns, string setting) => ["ip", "netns", "exec", ns, "sysctl", "-qw", setting];

    /// <summary>
    /// Builds the lab. Refuses when not root or when either namespace exists; on a failed step removes
    /// the namespaces it created, so no half-built lab is left behind.
    /// </summary>
    /// <exception cref="CliError">The lab could not be built; the message says why.</exception>
    public void Create()
    {
        RequireRoot();
        foreach (string ns in new[] { Namespace, FarNamespace })
        {
            if (NamespaceExists(ns))
            {
                throw new CliError($"network namespace '{ns}' already exists; remove the lab with 'usrnet lab down --ns {Namespace}' (or 'ip netns del {ns}')");
            }
        }
        try
        {
            foreach (IReadOnlyList<string> command in CreateCommands())
            {
                HostCommand.Run(command, CommandTimeout).EnsureSuccess();
            }
        }
        catch
        {
            // Only namespaces that did not exist before (checked above) can exist now: ours to remove.
            TryDelete();
            throw;
        }
    }

    /// <summary>How long processes in the lab get after SIGTERM before SIGKILL (a stack closing its connections lingers 2 s).</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan StopPollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Stops every process still running in either namespace (a stack holding the tap, a server in the
    /// far namespace), which removing the namespace would leave running with no name to reach it by:
    /// SIGTERM, then SIGKILL for those still there after <see cref="StopGrace"/>.
    /// </summary>
    /// <returns>What was stopped, one entry a process: <c>1234 (dotnet)</c>, with <c>killed</c> when SIGKILL was needed.</returns>
    /// <exception cref="CliError">Not root, or the processes could not be listed.</exception>
    public IReadOnlyList<string> StopProcesses()
    {
        List<int> pids = [];
        foreach (string ns in new[] { Namespace, FarNamespace })
        {
            if (NamespaceExists(ns))
            {
                RequireRoot();
                string listed = HostCommand.Run(["ip", "netns", "pids", ns], CommandTimeout).EnsureSuccess().StandardOutput;
                pids.AddRange(listed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))
                    .Where(p => p != Environment.ProcessId)); // "ip netns exec NS usrnet lab down" runs inside it
            }
        }
        if (pids.Count == 0)
        {
            return [];
        }
        Dictionary<int, string> names = pids.Distinct().ToDictionary(p => p, ProcessName);
        Signal("-TERM", names.Keys);
        Instant deadline = Instant.Now + StopGrace;
        while (names.Keys.Any(IsRunning) && Instant.Now < deadline)
        {
            Thread.Sleep(StopPollInterval);
        }
        List<int> stubborn = [.. names.Keys.Where(IsRunning)];
        Signal("-KILL", stubborn);
        return [.. names.Select(p => $"{p.Key} ({p.Value}{(stubborn.Contains(p.Key) ? ", killed" : "")})")];
    }

    private static void Signal(string signal, IEnumerable<int> pids)
    {
        List<string> argv = ["kill", signal, .. pids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        if (argv.Count > 2)
        {
            HostCommand.Run(argv, CommandTimeout); // a process that exited meanwhile makes kill fail: nothing to do
        }
    }

    /// <summary>True while the process exists and is not a zombie waiting for its parent.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string ProcessName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "exited";
        }
    }

    /// <summary>Removes both namespaces (and with them the tap and the veth pair). Idempotent.</summary>
    /// <returns>The namespaces that were removed.</returns>
    /// <exception cref="CliError">A namespace exists and could not be removed.</exception>
    public IReadOnlyList<string> Delete()
    {
        List<string> removed = [];
        foreach (string ns in new[] { Namespace, FarNamespace })
        {
            if (!NamespaceExists(ns))
            {
                continue;
            }
            RequireRoot();
            HostCommand.Run(["ip", "netns", "del", ns], CommandTimeout).EnsureSuccess();
            removed.Add(ns);
        }
        return removed;
    }

    private void TryDelete()
    {
        try
        {
            Delete();
        }
        catch (CliError)
        {
            // The original failure is the one to report.
        }
    }

    private static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new CliError($"needs root (network namespaces and TAP devices need CAP_NET_ADMIN); run it with sudo");
        }
    }
}
