namespace Usrnet.Cli.Lab;

/// <summary>How a host tool ended.</summary>
/// <param name="Argv">The command, program first.</param>
/// <param name="ExitCode">Its exit code, or -1 when it was killed after a timeout.</param>
/// <param name="StandardOutput">Everything it wrote to stdout.</param>
/// <param name="StandardError">Everything it wrote to stderr.</param>
/// <param name="TimedOut">True when it was killed after a timeout.</param>
public sealed record HostCommandResult(IReadOnlyList<string> Argv, int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    /// <summary>The command as one would type it (for messages).</summary>
    public string CommandLine => string.Join(' ', Argv);

    /// <summary>Returns this result when the command succeeded.</summary>
    /// <exception cref="CliError">It failed: one line with the command and the first line of its stderr.</exception>
    public HostCommandResult EnsureSuccess()
    {
        if (TimedOut)
        {
            throw new CliError($"'{CommandLine}' did not finish in time");
        }
        if (ExitCode != 0)
        {
            string reason = StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
                ?? $"exit code {ExitCode}";
            throw new CliError($"'{CommandLine}' failed: {reason}");
        }
        return this;
    }
}
