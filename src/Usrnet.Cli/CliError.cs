namespace Usrnet.Cli;

/// <summary>
/// A failure the CLI reports as one line on stderr, <c>usrnet: message</c>, and an exit code. Thrown by
/// commands and option readers; <c>Program</c> catches it. No stack trace: the message must say what
/// was wrong and, where there is one, how to fix it.
/// </summary>
public sealed class CliError : Exception
{
    /// <summary>Exit code for a malformed argument or option (as iputils <c>ping</c> uses 2).</summary>
    public const int UsageExitCode = 2;

    /// <summary>Exit code for an operation that failed.</summary>
    public const int FailureExitCode = 1;

    /// <summary>Creates an error with the given one-line message and exit code.</summary>
    public CliError(string message, int exitCode = FailureExitCode) : base(message)
    {
        ExitCode = exitCode;
    }

    /// <summary>The process exit code to return.</summary>
    public int ExitCode { get; }

    /// <summary>An error in what the user typed (exit code 2).</summary>
    public static CliError Usage(string message) => new(message, UsageExitCode);
}
