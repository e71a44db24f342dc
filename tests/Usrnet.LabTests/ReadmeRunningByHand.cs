using System.Runtime.Versioning;
using System.Text;
using System.Text.RegularExpressions;

namespace Usrnet.LabTests;

/// <summary>
/// The README's "Running it by hand" block, run line by line exactly as written, as root with bash, in
/// a scratch directory, with this checkout's CLI first on PATH as <c>usrnet</c> (not an installed one).
/// The block uses the default lab names "usrnet" and "usrnet-far"; so that it collides neither with a
/// lab someone has up nor with another test run, the whole run is in private namespaces (unshare):
/// a mount namespace with its own empty /run/netns, where <c>ip netns</c> keeps the names, and a PID
/// namespace, so that everything the block started dies with it however the test ends.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class ReadmeRunningByHand(ITestOutputHelper output)
{
    private const string Heading = "## Running it by hand";
    private const string LineMarker = "@@readme-line";
    private static readonly TimeSpan BlockTimeout = TimeSpan.FromMinutes(4);

    // What each step must show: the line that contains Command exits with ExitCode and prints Output.
    private static readonly (string Command, int ExitCode, string? Output)[] KeySteps =
    [
        ("usrnet lab up", 0, null),
        ("ping -c 3 10.0.0.102", 0, @" 0% packet loss"),
        ("traceroute -n 10.0.0.102", 0, @"(?m)^\s*2\s+10\.0\.0\.102\s"),
        ("kill $stack; wait $stack", SigtermExit, null),
        ("cat stack.log", 0, @"usrnet: 10\.0\.0\.102/24 on tap0 up"),
        ("usrnet ping -c 3 10.0.1.2", 0, @" 0% packet loss"),
        ("usrnet traceroute 10.0.1.2", 0, @"(?m)^\s*2\s+10\.0\.1\.2\s"),
        ("curl -sS http://10.0.0.102:8080/usrnet/status", 0, @"^usrnet: 10\.0\.0\.102/24 via 10\.0\.0\.101"),
        ("usrnet http-get http://10.0.1.2:8000/", 0, @"Directory listing for /"),
        ("kill $server; wait $server", SigtermExit, null),
        ("usrnet lab down", 0, null),
    ];

    // `wait` reports a process ended by SIGTERM as 128 + 15.
    private const int SigtermExit = 143;

    [LabFact("ping", "traceroute", "curl", "python3", "unshare", "grep")]
    public async Task TheReadmeBlockRunsAsWritten()
    {
        string[] lines = ReadBlock();
        string scratch = Directory.CreateTempSubdirectory("usrnet-readme-").FullName;
        try
        {
            string script = WriteScript(scratch, lines);
            // A private /run/netns (tmpfs) in a private mount namespace; the PID namespace's first process
            // is bash, and --kill-child ends it (and so every process in the namespace) if unshare is killed.
            ProcessResult run = await HostProcess.RunAsync(
                ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "--kill-child",
                 "bash", "-c", $"mkdir -p /run/netns && mount -t tmpfs usrnet-readme /run/netns && exec bash {script}"],
                BlockTimeout);
            output.WriteLine(run.ToString());
            IReadOnlyList<LineResult> results = ParseMarkers(run.StandardOutput);
            CheckEveryLine(lines, results, run);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static string[] ReadBlock()
    {
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md")).ReplaceLineEndings("\n");
        int heading = readme.IndexOf($"\n{Heading}\n", StringComparison.Ordinal);
        Assert.True(heading >= 0, $"README.md has no section '{Heading}'");
        Match block = ShellBlock().Match(readme, heading);
        Assert.True(block.Success, $"README.md's '{Heading}' has no ```sh block");
        return block.Groups["code"].Value.TrimEnd('\n').Split('\n');
    }

    // The block as a script: each line as written, preceded and followed by a marker with its number and
    // exit status. `sudo` is a pass-through script first on PATH, also where sudo exists: the test is
    // root already, and the real sudo would reset PATH to its secure_path and so run an installed usrnet
    // instead of this checkout's. It execs the program as sudo does: no shell builtins (`sudo kill` is
    // /usr/bin/kill, which knows no %1), and one process, so `kill $!` reaches the program itself.
    private static string WriteScript(string scratch, string[] lines)
    {
        string bin = Path.Combine(scratch, "bin");
        Directory.CreateDirectory(bin);
        string wrapper = Path.Combine(bin, "usrnet");
        WriteExecutable(wrapper, $"#!/bin/sh\nexec '{UsrnetCli.DotnetHost}' '{UsrnetCli.AssemblyPath}' \"$@\"\n");
        WriteExecutable(Path.Combine(bin, "sudo"), "#!/bin/sh\nexec \"$@\"\n");

        StringBuilder script = new();
        script.AppendLine("exec 2>&1");
        script.AppendLine($"export PATH='{bin}':\"$PATH\" LC_ALL=C");
        script.AppendLine($"cd '{scratch}'");
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]) || lines[i].TrimStart().StartsWith('#'))
            {
                continue;
            }
            script.AppendLine($"echo '{LineMarker} {i + 1} start'");
            script.AppendLine(lines[i]);
            script.AppendLine($"echo \"{LineMarker} {i + 1} exit $?\"");
        }
        string path = Path.Combine(scratch, "readme-block.sh");
        File.WriteAllText(path, script.ToString());
        return path;
    }

    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private static List<LineResult> ParseMarkers(string stdout)
    {
        List<LineResult> results = [];
        StringBuilder? current = null;
        foreach (string line in stdout.Split('\n'))
        {
            Match marker = Marker().Match(line);
            if (!marker.Success)
            {
                current?.AppendLine(line);
                continue;
            }
            int number = int.Parse(marker.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (marker.Groups["status"].Success)
            {
                results.Add(new LineResult(number, int.Parse(marker.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture), current?.ToString() ?? ""));
                current = null;
            }
            else
            {
                current = new StringBuilder();
            }
        }
        return results;
    }

    private void CheckEveryLine(string[] lines, IReadOnlyList<LineResult> results, ProcessResult run)
    {
        List<string> failures = [];
        int commands = lines.Count(l => !string.IsNullOrWhiteSpace(l) && !l.TrimStart().StartsWith('#'));
        if (results.Count != commands)
        {
            string last = results.Count > 0 ? $"the last to finish was line {results[^1].Line}: {lines[results[^1].Line - 1]}" : "none finished";
            failures.Add($"{results.Count} of the block's {commands} lines finished ({(run.TimedOut ? $"timed out after {BlockTimeout.TotalSeconds} s" : $"bash exited {run.ExitCode}")}); {last}");
        }
        foreach ((string command, int exitCode, string? pattern) in KeySteps)
        {
            if (!lines.Any(l => l.Contains(command, StringComparison.Ordinal)))
            {
                failures.Add($"the block no longer has a line with '{command}'");
            }
        }
        foreach (LineResult result in results)
        {
            string line = lines[result.Line - 1];
            (string Command, int ExitCode, string? Output) step = KeySteps.FirstOrDefault(s => line.Contains(s.Command, StringComparison.Ordinal));
            int expected = step.Command is null ? 0 : step.ExitCode;
            output.WriteLine($"line {result.Line}: exit {result.ExitCode}: {line}");
            if (result.ExitCode != expected)
            {
                failures.Add($"line {result.Line} exited {result.ExitCode}, not {expected}: {line}\n{result.Output}");
            }
            else if (step.Output is string pattern && !Regex.IsMatch(result.Output, pattern))
            {
                failures.Add($"line {result.Line} printed no match for /{pattern}/: {line}\n{result.Output}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private sealed record LineResult(int Line, int ExitCode, string Output);

    [GeneratedRegex(@"^```sh\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex($@"^{LineMarker} (?<line>[0-9]+) (start|exit (?<status>[0-9]+))$")]
    private static partial Regex Marker();
}
