using System.Runtime.InteropServices;

namespace Usrnet.Cli;

/// <summary>
/// SIGINT and SIGTERM for the whole process, as a request to stop rather than an immediate exit, so every
/// command ends cleanly (summary printed, pcap flushed, tap released): the first signal is recorded,
/// <see cref="Token"/> is cancelled and the command winds down; <c>Program</c> then exits with
/// <see cref="ExitCode"/> (130 after SIGINT, 143 after SIGTERM, as a shell reports a process killed by
/// them) and one line, <c>usrnet: COMMAND: interrupted</c>. A second signal is not caught: it ends the
/// process at once, for a command that does not stop soon enough.
/// </summary>
public static class TerminationSignals
{
    /// <summary>Exit status of a process ended by a signal: 128 plus the signal's number (POSIX shells' convention).</summary>
    private const int SignalExitBase = 128;

    private const int SigInt = 2;
    private const int SigTerm = 15;

    private static readonly CancellationTokenSource s_requested = new();
    private static PosixSignalRegistration[]? s_registrations;
    private static int s_signal;

    /// <summary>Cancelled at the first SIGINT or SIGTERM (after <see cref="Install"/>).</summary>
    public static CancellationToken Token => s_requested.Token;

    /// <summary>True once SIGINT or SIGTERM arrived.</summary>
    public static bool Received => Volatile.Read(ref s_signal) != 0;

    /// <summary>130 after SIGINT, 143 after SIGTERM; null when no signal arrived.</summary>
    public static int? ExitCode => Volatile.Read(ref s_signal) is int signal and not 0 ? SignalExitBase + signal : null;

    /// <summary>Starts catching the signals; once per process, before the command runs.</summary>
    public static void Install()
    {
        if (s_registrations is not null)
        {
            return;
        }
        s_registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => OnSignal(context, SigInt)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, SigTerm)),
        ];
    }

    /// <summary>
    /// Gives the signals back their default action (the process ends at once), for the last part of an
    /// exit that must not be held up, such as the linger of connections closing; <see cref="Received"/>
    /// still tells of a signal that came before.
    /// </summary>
    public static void StopCatching()
    {
        foreach (PosixSignalRegistration registration in Interlocked.Exchange(ref s_registrations, []) ?? [])
        {
            registration.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="onSignal"/> at the first signal (at once when one already arrived), on a
    /// thread-pool thread; dispose the result to stop listening.
    /// </summary>
    public static CancellationTokenRegistration Register(Action onSignal) => Token.Register(onSignal);

    private static void OnSignal(PosixSignalContext context, int signal)
    {
        if (Interlocked.CompareExchange(ref s_signal, signal, 0) != 0)
        {
            return; // the second signal: the default action, the process ends now
        }
        context.Cancel = true; // we exit ourselves, after the summary
        _ = s_requested.CancelAsync(); // callbacks run on the thread pool, not on the signal thread
    }
}
