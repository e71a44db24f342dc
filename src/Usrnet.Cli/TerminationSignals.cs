using System.Runtime.InteropServices;

namespace Usrnet.Cli;

/// <summary>
/// SIGINT and SIGTERM as a request to stop rather than an immediate exit, so every command ends cleanly
/// (summary printed, pcap flushed, tap released): the default action is cancelled, the callback runs, and
/// <see cref="Token"/> is cancelled.
/// </summary>
public sealed class TerminationSignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private readonly CancellationTokenSource _requested = new();

    /// <summary>Starts handling the signals; <paramref name="onSignal"/> runs on the signal handler's thread, so keep it short.</summary>
    public TerminationSignals(Action? onSignal = null)
    {
        _registrations = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true; // we exit ourselves, after the summary
            onSignal?.Invoke();
            _ = _requested.CancelAsync(); // the token's callbacks run on the thread pool, not on the signal thread
        }))];
    }

    /// <summary>Cancelled at the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _requested.Token;

    /// <summary>Restores the default handling of the signals.</summary>
    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
