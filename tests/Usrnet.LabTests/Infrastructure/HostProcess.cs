using System.ComponentModel;
using System.Diagnostics;

namespace Usrnet.LabTests;

/// <summary>Runs programs directly (no shell) for the tests: to completion with a timeout, or in the background.</summary>
public static class HostProcess
{
    /// <summary>Used when a caller gives no timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <paramref name="argv"/> to completion. After <paramref name="timeout"/> the process (and its
    /// children) is killed and the result says <see cref="ProcessResult.TimedOut"/>; it never throws for
    /// a failing command, only when the program cannot be started.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(IReadOnlyList<string> argv, TimeSpan? timeout = null, string? stdin = null, CancellationToken cancellationToken = default)
    {
        Stopwatch clock = Stopwatch.StartNew();
        using Process process = Start(argv);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
            }
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading its input; its exit code tells the rest.
        }

        bool timedOut = false;
        using (CancellationTokenSource limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            limit.CancelAfter(timeout ?? DefaultTimeout);
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                KillTree(process);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        // A grandchild that inherited the pipes could keep them open after the child exits: do not wait for ever.
        string output = await ReadOrEmpty(stdout).ConfigureAwait(false);
        string error = await ReadOrEmpty(stderr).ConfigureAwait(false);
        return new ProcessResult(argv, timedOut ? -1 : process.ExitCode, output, error, timedOut, clock.Elapsed);
    }

    /// <summary>Starts <paramref name="argv"/> in the background; dispose or stop the result to end it.</summary>
    public static BackgroundProcess StartBackground(IReadOnlyList<string> argv) => new(argv, Start(argv));

    internal static Process Start(IReadOnlyList<string> argv)
    {
        ArgumentOutOfRangeException.ThrowIfZero(argv.Count);
        ProcessStartInfo start = new(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }
        // Tool output in a fixed language and format, so tests can read it.
        start.Environment["LC_ALL"] = "C";
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"could not start {ProcessResult.FormatCommandLine(argv)}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"could not start {ProcessResult.FormatCommandLine(argv)}: {e.Message}", e);
        }
    }

    internal static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static async Task<string> ReadOrEmpty(Task<string> read)
    {
        try
        {
            return await read.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return "";
        }
    }
}
