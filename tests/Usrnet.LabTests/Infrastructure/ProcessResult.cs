using System.Text;
using Xunit.Sdk;

namespace Usrnet.LabTests;

/// <summary>How a process ended, with everything it wrote.</summary>
/// <param name="Argv">The command, program first.</param>
/// <param name="ExitCode">Its exit code; -1 when it was killed after a timeout.</param>
/// <param name="StandardOutput">All of stdout.</param>
/// <param name="StandardError">All of stderr.</param>
/// <param name="TimedOut">True when it did not finish in time and was killed.</param>
/// <param name="Elapsed">Wall time from start to exit.</param>
public sealed record ProcessResult(IReadOnlyList<string> Argv, int ExitCode, string StandardOutput, string StandardError, bool TimedOut, TimeSpan Elapsed)
{
    /// <summary>Exited by itself with code 0.</summary>
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>The command as one would type it in a shell.</summary>
    public string CommandLine => FormatCommandLine(Argv);

    /// <summary>Returns this result when the command succeeded; otherwise fails the test with <see cref="ToString"/>.</summary>
    public ProcessResult EnsureSuccess() => Succeeded ? this : throw new XunitException($"command failed: {this}");

    /// <summary>Command, outcome, stdout and stderr: made to be read in a failed test's message.</summary>
    public override string ToString()
    {
        StringBuilder text = new();
        text.Append(CommandLine).Append(" -> ").Append(TimedOut ? "timed out" : $"exit {ExitCode}").Append($" after {Elapsed.TotalSeconds:F2} s");
        AppendStream(text, "stdout", StandardOutput);
        AppendStream(text, "stderr", StandardError);
        return text.ToString();
    }

    internal static string FormatCommandLine(IEnumerable<string> argv) =>
        string.Join(' ', argv.Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'"));

    private static void AppendStream(StringBuilder text, string name, string content)
    {
        const int MaxShown = 4000;
        if (content.Length == 0)
        {
            return;
        }
        string shown = content.Length <= MaxShown ? content : string.Concat("...", content.AsSpan(content.Length - MaxShown));
        text.AppendLine().Append("--- ").Append(name).AppendLine(" ---").Append(shown.TrimEnd());
    }
}
