using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Usrnet.LabTests;

/// <summary>
/// A long-running process (the stack's <c>usrnet up</c>, a kernel tool, dnsmasq) whose output is
/// collected as it comes. <see cref="StopAsync"/> sends SIGTERM, then SIGKILL after a grace period;
/// disposing stops it. A <see cref="Lab"/> stops the ones it started when it is disposed.
/// </summary>
public sealed partial class BackgroundProcess : IAsyncDisposable
{
    private const int SignalTerminate = 15; // SIGTERM on Linux
    private const int SignalInterrupt = 2; // SIGINT on Linux: what Ctrl-C sends
    private static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ProcessResult? _result;

    internal BackgroundProcess(IReadOnlyList<string> argv, Process process)
    {
        Argv = argv;
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_stdout, _stdoutClosed, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, _stderrClosed, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        StandardInput = _process.StandardInput;
        StandardInput.AutoFlush = true;
    }

    /// <summary>The command, program first.</summary>
    public IReadOnlyList<string> Argv { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _result is not null || _process.HasExited;

    /// <summary>Its stdin (autoflush); close it to send EOF.</summary>
    public StreamWriter StandardInput { get; }

    /// <summary>Everything written to stdout so far (whole lines).</summary>
    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Everything written to stderr so far (whole lines).</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Waits until stdout or stderr contains <paramref name="text"/>. Returns false when the process
    /// exits first or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Stopwatch waited = Stopwatch.StartNew();
        while (true)
        {
            bool exited = HasExited; // read before the output, so output written just before exit is seen
            if (StandardOutput.Contains(text, StringComparison.Ordinal) || StandardError.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
            if (exited || waited.Elapsed >= timeout)
            {
                return false;
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends <paramref name="signal"/> (e.g. 2 for SIGINT) to the process; false when it has exited already.</summary>
    public bool Signal(int signal) => !_process.HasExited && Kill(_process.Id, signal) == 0;

    /// <summary>Waits for the process to exit by itself; after <paramref name="timeout"/> kills it (the result then says TimedOut).</summary>
    public async Task<ProcessResult> WaitForExitAsync(TimeSpan timeout)
    {
        using CancellationTokenSource limit = new(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            return await CompleteAsync(timedOut: false).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            HostProcess.KillTree(_process);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return await CompleteAsync(timedOut: true).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends SIGTERM (which <c>usrnet up</c> treats like Ctrl-C), waits up to <paramref name="grace"/>
    /// (default 5 s), then kills the process and its children. Returns how it ended; calling again
    /// returns the same result.
    /// </summary>
    public async Task<ProcessResult> StopAsync(TimeSpan? grace = null)
    {
        if (_result is not null)
        {
            return _result;
        }
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SignalTerminate);
        }
        using CancellationTokenSource limit = new(grace ?? DefaultGrace);
        bool killed = false;
        try
        {
            await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            killed = true;
            HostProcess.KillTree(_process);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        return await CompleteAsync(timedOut: killed).ConfigureAwait(false);
    }

    /// <summary>Sends SIGINT (a user's Ctrl-C) and waits up to <paramref name="timeout"/> for the process to exit; then kills it (the result says TimedOut).</summary>
    public Task<ProcessResult> InterruptAsync(TimeSpan timeout)
    {
        _ = Signal(SignalInterrupt);
        return WaitForExitAsync(timeout);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProcessResult.FormatCommandLine(Argv)} (pid {_process.Id})";

    private async Task<ProcessResult> CompleteAsync(bool timedOut)
    {
        // Output events can still be in flight after exit; a grandchild holding the pipes must not block us.
        await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _result ??= new ProcessResult(Argv, timedOut ? -1 : _process.ExitCode, StandardOutput, StandardError, timedOut, _clock.Elapsed);
        return _result;
    }

    private static void Append(StringBuilder buffer, TaskCompletionSource closed, string? line)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }
        lock (buffer)
        {
            buffer.Append(line).Append('\n');
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
