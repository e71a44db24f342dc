using System.Runtime.Versioning;

namespace Usrnet.LabTests;

/// <summary>
/// The built CLI run as <c>nobody</c> (through <c>setpriv</c>) against the lab's tap: each failure to open a
/// tap is one line that says what is wrong and what to do, never a later call's EBADF (a failed open(2)
/// once went unnoticed, and TUNSETIFF on descriptor -1 was what got reported).
/// </summary>
[SupportedOSPlatform("linux")] // like every lab test: network namespaces and taps
public sealed class TapErrorsAsANonRootUser(ITestOutputHelper output) : IDisposable
{
    private const string Unprivileged = "nobody";
    private const string UnprivilegedGroup = "nogroup";

    // A copy of the CLI that nobody may read: the checkout itself may sit under a directory only root can enter.
    private readonly string _copy = CopyOfTheCli();

    public void Dispose() => Directory.Delete(_copy, recursive: true);

    [LabFact("setpriv")]
    public async Task PermissionDeniedSaysRootOrCapNetAdminIsNeeded()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult result = await RunAsNobodyAsync(lab, "up", "--tap", lab.TapName);

        string line = Assert.Single(Lines(result.StandardError));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"permission denied opening tap '{lab.TapName}' (run as root or give CAP_NET_ADMIN)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("EBADF", line, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
    }

    [LabFact("setpriv")]
    public async Task AMissingTapSaysSoWithTheHint()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        string missing = lab.TapName + "x";

        ProcessResult result = await RunAsNobodyAsync(lab, "up", "--tap", missing);

        string line = Assert.Single(Lines(result.StandardError));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"tap device '{missing}' does not exist in this network namespace", line, StringComparison.Ordinal);
        Assert.Contains($"ip tuntap add dev {missing} mode tap", line, StringComparison.Ordinal); // the hint
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private async Task<ProcessResult> RunAsNobodyAsync(Lab lab, params string[] args)
    {
        ProcessResult result = await lab.RunAsync(
            lab.Namespace,
            ["setpriv", $"--reuid={Unprivileged}", $"--regid={UnprivilegedGroup}", "--clear-groups", "--",
             UsrnetCli.DotnetHost, Path.Combine(_copy, Path.GetFileName(UsrnetCli.AssemblyPath)), .. args],
            TimeSpan.FromSeconds(60));
        Assert.False(result.TimedOut, result.ToString());
        return result;
    }

    private static string CopyOfTheCli()
    {
        string copy = Directory.CreateTempSubdirectory("usrnet-cli-").FullName;
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        foreach (string file in Directory.EnumerateFiles(AppContext.BaseDirectory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        return copy;
    }
}
