using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace Usrnet.LabTests;

/// <summary>
/// What the TCP lab tests share: shell lines with redirections run inside a namespace, a scratch
/// directory for large files, SHA-256 of files, and reading the lines the TCP peer scripts print
/// (tcp_echo_client.py, tcp_hash_server.py, seeded.py).
/// </summary>
public static partial class TcpPeers
{
    /// <summary><c>sh -c SCRIPT</c>: for a command with <c>&lt;</c>/<c>&gt;</c> redirections or a pipe.</summary>
    public static IReadOnlyList<string> Shell(string script) => ["sh", "-c", script];

    /// <summary>The argv as one shell-quoted command line (to put inside <see cref="Shell"/>).</summary>
    public static string Quote(IEnumerable<string> argv) => ProcessResult.FormatCommandLine(argv);

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256OfFile(string path)
    {
        using FileStream file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> bytes of seeded.py's stream for <paramref name="seed"/> to
    /// <paramref name="path"/> and returns its SHA-256 (as the script printed it, checked against the file).
    /// It may take <paramref name="timeout"/> (default 30 s; a gigabyte takes several seconds of CPU).
    /// </summary>
    public static async Task<string> WriteSeededFileAsync(string path, long bytes, string seed, TimeSpan? timeout = null)
    {
        ProcessResult made = (await HostProcess.RunAsync(LabScripts.PythonCommand("seeded.py", path, "--bytes", $"{bytes}", "--seed", seed), timeout ?? TimeSpan.FromSeconds(30)).ConfigureAwait(false)).EnsureSuccess();
        Match m = SeededLine().Match(made.StandardOutput);
        if (!m.Success || long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) != bytes)
        {
            throw new XunitException($"seeded.py did not say what it wrote: {made}");
        }
        return m.Groups["hash"].Value;
    }

    /// <summary>
    /// Waits until <paramref name="process"/> prints <paramref name="text"/>; otherwise stops it (and
    /// <paramref name="others"/>) and fails the test with everything they wrote.
    /// </summary>
    public static async Task ExpectOutputAsync(BackgroundProcess process, string text, TimeSpan timeout, params BackgroundProcess[] others)
    {
        if (await process.WaitForOutputAsync(text, timeout).ConfigureAwait(false))
        {
            return;
        }
        string report = $"no \"{text}\" within {timeout.TotalSeconds} s: {await process.StopAsync().ConfigureAwait(false)}";
        foreach (BackgroundProcess other in others)
        {
            report += $"\n\n{await other.StopAsync().ConfigureAwait(false)}";
        }
        throw new XunitException(report);
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>tcp_echo_client.py's summary: (identical connections, all connections, bytes sent, bytes received); fails the test without one.</summary>
    public static (int Identical, int Connections, long Sent, long Received) EchoSummary(ProcessResult client)
    {
        Match m = EchoSummaryLine().Match(client.StandardOutput);
        if (!m.Success)
        {
            throw new XunitException($"no summary from tcp_echo_client.py: {client}");
        }
        return (int.Parse(m.Groups["good"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["all"].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups["sent"].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups["received"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>tcp_echo_client.py's "sha256 sent H received H" (one connection); fails the test without it.</summary>
    public static (string Sent, string Received) EchoHashes(ProcessResult client)
    {
        Match m = EchoHashLine().Match(client.StandardOutput);
        return m.Success ? (m.Groups["sent"].Value, m.Groups["received"].Value) : throw new XunitException($"no hashes from tcp_echo_client.py: {client}");
    }

    /// <summary>tcp_hash_server.py's "received N bytes sha256 H" or "sent N bytes sha256 H" line, or null.</summary>
    public static (long Bytes, string Hash)? HashServerLine(string output, string verb)
    {
        Match m = Regex.Match(output, $@"^{verb} (?<n>\d+) bytes sha256 (?<hash>[0-9a-f]{{64}})", RegexOptions.Multiline);
        return m.Success ? (long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture), m.Groups["hash"].Value) : null;
    }

    /// <summary>Lines of <paramref name="output"/> that match <paramref name="pattern"/> (multiline).</summary>
    public static int CountLines(string output, string pattern) => Regex.Matches(output, pattern, RegexOptions.Multiline).Count;

    [GeneratedRegex(@"^(?<n>\d+) bytes sha256 (?<hash>[0-9a-f]{64})", RegexOptions.Multiline)]
    private static partial Regex SeededLine();

    [GeneratedRegex(@"^(?<good>\d+) of (?<all>\d+) connections echoed byte-identical: sent (?<sent>\d+) bytes, received (?<received>\d+) bytes", RegexOptions.Multiline)]
    private static partial Regex EchoSummaryLine();

    [GeneratedRegex(@"^sha256 sent (?<sent>[0-9a-f]{64}) received (?<received>[0-9a-f]{64})", RegexOptions.Multiline)]
    private static partial Regex EchoHashLine();
}

/// <summary>A scratch directory under the system temp directory, deleted with everything in it on dispose.</summary>
public sealed class LabTempDirectory : IDisposable
{
    /// <summary>Creates <c>/tmp/usrnet-lab-XXXXXX</c>.</summary>
    public LabTempDirectory() => Path = Directory.CreateTempSubdirectory("usrnet-lab-").FullName;

    /// <summary>Its full path.</summary>
    public string Path { get; }

    /// <summary>A file name inside it.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a process the lab killed may still hold a file for a moment.
        }
    }
}
