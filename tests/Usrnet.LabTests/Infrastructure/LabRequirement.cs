using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Sdk;

namespace Usrnet.LabTests;

/// <summary>
/// What a lab test needs from the machine: root, <c>/dev/net/tun</c>, <c>ip</c>, and any peer tool it
/// names. Outside CI a test whose needs are not met is skipped with the reason (by <see cref="LabFactAttribute"/>)
/// or returns early after writing it (<see cref="Check"/>); with <c>CI=true</c> it fails (docs/articles/design.md §5).
/// </summary>
public static class LabRequirement
{
    /// <summary>Pseudo tool name: Debian's <c>/usr/bin/python3</c> can <c>import scapy</c>.</summary>
    public const string Scapy = "scapy";

    private static readonly ConcurrentDictionary<string, string?> ToolCache = new();

    /// <summary>True when the environment variable CI is <c>true</c> (or <c>1</c>): unmet requirements fail instead of skipping.</summary>
    public static bool IsCi =>
        Environment.GetEnvironmentVariable("CI") is string ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>
    /// Null when the lab can run with <paramref name="tools"/> (program names looked up on PATH, or
    /// <see cref="Scapy"/>); otherwise one line saying what is missing.
    /// </summary>
    public static string? MissingReason(params string[] tools)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "lab tests need Linux (network namespaces and TAP devices)";
        }
        if (!Environment.IsPrivilegedProcess)
        {
            return "lab tests need root (network namespaces and TAP devices); run them with sudo";
        }
        if (!File.Exists("/dev/net/tun"))
        {
            return "lab tests need /dev/net/tun (modprobe tun, or --device /dev/net/tun for a container)";
        }
        foreach (string tool in tools.Prepend("ip"))
        {
            if (ToolCache.GetOrAdd(tool, MissingTool) is string missing)
            {
                return missing;
            }
        }
        return null;
    }

    /// <summary>
    /// For a test's first line, when it is a plain <c>[Fact]</c>: true when the lab can run. Otherwise,
    /// under CI the test fails with the reason; outside CI the reason is written to the test output and
    /// the test should return at once: <c>if (!LabRequirement.Check(output)) { return; }</c>.
    /// </summary>
    public static bool Check(ITestOutputHelper output, params string[] tools)
    {
        string? reason = MissingReason(tools);
        if (reason is null)
        {
            return true;
        }
        if (IsCi)
        {
            throw new XunitException($"lab requirement not met (CI=true, so this is a failure): {reason}");
        }
        output.WriteLine($"SKIPPED (outside CI): {reason}");
        return false;
    }

    /// <summary>Fails (throws) with the reason when the lab cannot run, whether in CI or not.</summary>
    public static void ThrowIfMissing(params string[] tools)
    {
        if (MissingReason(tools) is string reason)
        {
            throw new XunitException($"lab requirement not met: {reason}");
        }
    }

    private static string? MissingTool(string tool)
    {
        if (tool == Scapy)
        {
            return ImportsScapy() ? null : $"{LabScripts.Python} cannot import scapy (install python3-scapy: scripts/install-peers.sh)";
        }
        bool found = tool.Contains('/')
            ? File.Exists(tool)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, tool)));
        return found ? null : $"'{tool}' is not installed (scripts/install-peers.sh installs the lab's peers)";
    }

    private static bool ImportsScapy()
    {
        if (!File.Exists(LabScripts.Python))
        {
            return false;
        }
        // Synchronous on purpose: called from attribute constructors during discovery; cached per process.
        using Process? python = Process.Start(new ProcessStartInfo(LabScripts.Python, ["-c", "import scapy"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        });
        if (python is null)
        {
            return false;
        }
        python.StandardOutput.ReadToEnd();
        python.StandardError.ReadToEnd();
        return python.WaitForExit(TimeSpan.FromSeconds(30)) && python.ExitCode == 0;
    }
}
