using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// One lab of docs/articles/design.md §3 for one test, under namespace names no other lab uses (xunit runs test
/// classes in parallel, and only one process can hold a tap). Built by the same
/// <see cref="LabTopology.Create"/> as <c>usrnet lab up</c>; disposing stops every process the lab
/// started and deletes both namespaces, also when the test failed.
/// <code>
/// await using Lab lab = await Lab.CreateAsync(output);
/// await using BackgroundProcess stack = lab.StartUsrnet(["up"]);
/// (await lab.RunAsync(lab.Namespace, ["ping", "-c", "1", "10.0.0.102"])).EnsureSuccess();
/// </code>
/// </summary>
public sealed partial class Lab : IAsyncDisposable, IDisposable
{
    /// <summary>Every lab namespace starts with this, so leftovers of crashed runs can be found.</summary>
    public const string NamePrefix = "usn-";

    private static readonly Lazy<Task> StaleCleanup = new(() => Task.Run(DeleteStaleNamespaces));
    private static int s_counter;

    private readonly ITestOutputHelper? _output;
    private readonly List<BackgroundProcess> _processes = [];
    private bool _disposed;

    private Lab(LabTopology topology, ITestOutputHelper? output)
    {
        Topology = topology;
        _output = output;
    }

    /// <summary>The names and addresses; the static members of <see cref="LabTopology"/> hold the addresses.</summary>
    public LabTopology Topology { get; }

    /// <summary>The near namespace: tap0 (10.0.0.101/24, and fd00:0:0:1::1/64 when built with IPv6 on the tap), r0 (10.0.1.1/24, fd00:0:0:2::1/64), forwarding. The stack runs here.</summary>
    public string Namespace => Topology.Namespace;

    /// <summary>The far namespace: f0 (10.0.1.2/24, fd00:0:0:2::2/64), default routes via 10.0.1.1 and fd00:0:0:2::1.</summary>
    public string FarNamespace => Topology.FarNamespace;

    /// <summary>The tap's name inside <see cref="Namespace"/>.</summary>
    public string TapName => Topology.TapName;

    /// <summary>
    /// Builds a lab. Its namespace is <c>usn-TAG-PID-N</c> (PID and N in base 36), where TAG defaults to
    /// the capitals of the calling file's name (LabInfrastructureTests.cs: <c>lit</c>). Fails the test
    /// when the lab's requirements are not met (use <see cref="LabFactAttribute"/> to skip outside CI).
    /// On failure nothing is left behind. With <paramref name="ipv6OnTap"/> the tap carries IPv6 too
    /// (<see cref="LabTopology.TapCidr6"/>); otherwise IPv6 is off on it, so IPv4 captures stay quiet.
    /// </summary>
    public static async Task<Lab> CreateAsync(ITestOutputHelper? output = null, string? tag = null, bool ipv6OnTap = false, [CallerFilePath] string callerFile = "")
    {
        LabRequirement.ThrowIfMissing();
        await StaleCleanup.Value.ConfigureAwait(false);
        Lab lab = new(new LabTopology(UniqueNamespaceName(tag ?? TagOf(callerFile)), ipv6OnTap: ipv6OnTap), output);
        try
        {
            await Task.Run(lab.Topology.Create).ConfigureAwait(false);
            lab.Log($"lab up: {lab.Namespace} / {lab.FarNamespace}");
            return lab;
        }
        catch
        {
            await lab.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A namespace name no other lab (in this or another live test process) uses: <c>usn-TAG-PID-N</c>,
    /// at most 15 characters. Also for tests that drive <c>usrnet lab up --ns</c> themselves.
    /// </summary>
    public static string UniqueNamespaceName(string tag)
    {
        const int MaxLength = 15; // as an interface name (IFNAMSIZ - 1), in case one is ever named after it
        string cleanTag = new string(tag.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(3).ToArray()) is { Length: > 0 } t ? t : "x";
        string suffix = $"-{ToBase36(Environment.ProcessId)}-{ToBase36(Interlocked.Increment(ref s_counter))}";
        int room = Math.Max(1, MaxLength - NamePrefix.Length - suffix.Length);
        return $"{NamePrefix}{cleanTag[..Math.Min(room, cleanTag.Length)]}{suffix}";
    }

    /// <summary>The network namespaces <c>ip netns list</c> shows (names only).</summary>
    public static async Task<IReadOnlyList<string>> ListNamespacesAsync()
    {
        ProcessResult list = (await HostProcess.RunAsync(["ip", "netns", "list"]).ConfigureAwait(false)).EnsureSuccess();
        // One a line, each maybe followed by " (id: N)".
        return [.. list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')[0])];
    }

    /// <summary>
    /// Runs <c>ip netns exec NS argv…</c> to completion (default timeout 30 s; the result says whether it
    /// timed out). A failing command is a result, not an exception: assert on it or call EnsureSuccess.
    /// </summary>
    public async Task<ProcessResult> RunAsync(string ns, IReadOnlyList<string> argv, TimeSpan? timeout = null, string? stdin = null, CancellationToken cancellationToken = default)
    {
        ProcessResult result = await HostProcess.RunAsync(InNamespace(ns, argv), timeout, stdin, cancellationToken).ConfigureAwait(false);
        Log(result.ToString());
        return result;
    }

    /// <summary>Starts <c>ip netns exec NS argv…</c> in the background; the lab stops it on dispose.</summary>
    public BackgroundProcess Start(string ns, IReadOnlyList<string> argv)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        BackgroundProcess process = HostProcess.StartBackground(InNamespace(ns, argv));
        lock (_processes)
        {
            _processes.Add(process);
        }
        Log($"started {process}");
        return process;
    }

    /// <summary>Runs <c>usrnet args…</c> inside <see cref="Namespace"/>, where the tap is (see <see cref="RunAsync"/>).</summary>
    public Task<ProcessResult> RunUsrnetAsync(IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null, CancellationToken cancellationToken = default) =>
        RunAsync(Namespace, UsrnetCli.Command(args), timeout, stdin, cancellationToken);

    /// <summary>Starts <c>usrnet args…</c> (e.g. <c>up</c>) inside <see cref="Namespace"/>; the lab stops it on dispose.</summary>
    public BackgroundProcess StartUsrnet(IEnumerable<string> args) => Start(Namespace, UsrnetCli.Command(args));

    /// <summary>
    /// Pings <paramref name="address"/> from <paramref name="ns"/> once a 200 ms until it answers or
    /// <paramref name="timeout"/> passes: how a test waits for a stack it started to be up.
    /// </summary>
    public async Task<bool> WaitForPingAsync(string ns, string address, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        do
        {
            ProcessResult ping = await HostProcess.RunAsync(InNamespace(ns, ["ping", "-n", "-q", "-c", "1", "-W", "0.2", address]), TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            if (ping.Succeeded)
            {
                return true;
            }
        }
        while (DateTime.UtcNow < deadline);
        Log($"{address} did not answer ping from {ns} within {timeout.TotalSeconds} s");
        return false;
    }

    /// <summary>Stops the lab's processes (SIGTERM, then SIGKILL) and deletes both namespaces. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        BackgroundProcess[] processes;
        lock (_processes)
        {
            processes = [.. _processes];
        }
        foreach (BackgroundProcess process in processes.Reverse())
        {
            try
            {
                ProcessResult ended = await process.StopAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                Log($"stopped {ended}");
                await process.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                Log($"could not stop {process}: {e.Message}");
            }
        }
        try
        {
            IReadOnlyList<string> removed = await Task.Run(Topology.Delete).ConfigureAwait(false);
            Log($"lab down: removed {string.Join(", ", removed)}");
        }
        catch (Exception e)
        {
            // Reported, not thrown: an exception here would hide the test's own failure.
            Log($"lab down failed: {e.Message}");
            await Console.Error.WriteLineAsync($"Usrnet.LabTests: could not remove lab {Namespace}: {e.Message}").ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override string ToString() => $"lab {Namespace}";

    private static IReadOnlyList<string> InNamespace(string ns, IReadOnlyList<string> argv) => ["ip", "netns", "exec", ns, .. argv];

    private void Log(string message)
    {
        try
        {
            _output?.WriteLine($"[{DateTime.Now:HH:mm:ss.fff}] {message}");
        }
        catch (InvalidOperationException)
        {
            // The test has already finished; xunit no longer takes its output.
        }
    }

    private static string TagOf(string callerFile)
    {
        string name = Path.GetFileNameWithoutExtension(callerFile);
        string capitals = new(name.Where(char.IsAsciiLetterUpper).ToArray());
        return capitals.Length > 0 ? capitals : name;
    }

    private static string ToBase36(int value)
    {
        const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        string text = "";
        do
        {
            text = Digits[value % 36] + text;
            value /= 36;
        }
        while (value > 0);
        return text;
    }

    private static int? FromBase36(string text)
    {
        long value = 0;
        foreach (char c in text)
        {
            int digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetterLower(c) ? c - 'a' + 10 : -1;
            if (digit < 0 || (value = value * 36 + digit) > int.MaxValue)
            {
                return null;
            }
        }
        return (int)value;
    }

    /// <summary>Removes lab namespaces left by test processes that died before disposing them.</summary>
    private static void DeleteStaleNamespaces()
    {
        if (!Directory.Exists("/run/netns"))
        {
            return;
        }
        foreach (string ns in Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>())
        {
            Match match = LabName().Match(ns);
            if (!match.Success || FromBase36(match.Groups["pid"].Value) is not int pid || Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }
            HostCommand.Run(["ip", "netns", "del", ns], TimeSpan.FromSeconds(10));
        }
    }

    [GeneratedRegex(@"^usn-[a-z0-9]{1,3}-(?<pid>[0-9a-z]+)-[0-9a-z]+(-far)?$")]
    private static partial Regex LabName();
}
