using Usrnet.Cli;
using Usrnet.Cli.Lab;
using Xunit.Sdk;

namespace Usrnet.LabTests;

/// <summary>Starting a stack command in a lab and waiting until it answers.</summary>
public static class LabStack
{
    /// <summary>How long a stack may take to start (a cold <c>dotnet</c> on a loaded 2-core machine).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Starts <c>usrnet args…</c> (default <c>up</c>) in the lab's near namespace and returns once it
    /// prints its readiness line (<see cref="Readiness"/>: <c>… on tap0 up</c> for <c>up</c>,
    /// <c>usrnet: listening on …</c> for the servers), with no sleep and no probing: the caller connects at
    /// once. Fails the test, with the stack's output, when the line does not come.
    /// </summary>
    public static async Task<BackgroundProcess> StartStackAsync(this Lab lab, params string[] args)
    {
        string[] argv = args.Length == 0 ? ["up"] : args;
        BackgroundProcess stack = lab.StartUsrnet(argv);
        string ready = argv[0] == "up" ? $" on {LabTopology.DefaultTapName} up" : Readiness.ListeningPrefix;
        if (!await stack.WaitForOutputAsync(ready, StartTimeout).ConfigureAwait(false))
        {
            ProcessResult ended = await stack.StopAsync().ConfigureAwait(false);
            throw new XunitException($"the stack did not print \"{ready}\" within {StartTimeout.TotalSeconds} s: {ended}");
        }
        return stack;
    }

    /// <summary>Stops a stack with SIGTERM (as a user's Ctrl-C) and returns how it ended; fails the test if it had to be killed.</summary>
    public static async Task<ProcessResult> StopStackAsync(BackgroundProcess stack)
    {
        ProcessResult ended = await stack.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (ended.TimedOut)
        {
            throw new XunitException($"the stack did not exit within 10 s of SIGTERM: {ended}");
        }
        return ended;
    }

    /// <summary>Exit code of a usrnet command stopped by SIGTERM: 128 + 15, with one line <c>usrnet: COMMAND: interrupted</c>.</summary>
    public const int SigtermExitCode = 143;

    /// <summary>Asserts that a usrnet command ended by SIGTERM as every command does: exit code 143 and a last stderr line <c>usrnet: … interrupted</c>.</summary>
    public static void AssertStoppedBySigterm(ProcessResult result)
    {
        Assert.True(result.ExitCode == SigtermExitCode, $"exit code {result.ExitCode}, not {SigtermExitCode} after SIGTERM: {result}");
        string last = result.StandardError.TrimEnd('\n').Split('\n')[^1];
        Assert.Matches(@"^usrnet: [a-z -]+: interrupted$", last);
    }

    /// <summary>Asserts that a process wrote no .NET exception or stack trace.</summary>
    public static void AssertNoException(ProcessResult result)
    {
        string all = result.StandardOutput + result.StandardError;
        Assert.False(all.Contains("Exception", StringComparison.Ordinal) || all.Contains("   at ", StringComparison.Ordinal), $"exception or stack trace in the output: {result}");
    }
}
