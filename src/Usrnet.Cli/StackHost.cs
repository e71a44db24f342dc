using Microsoft.Extensions.Logging;
using Usrnet.Iface;
using Usrnet.Phy;

namespace Usrnet.Cli;

/// <summary>
/// One command's running stack: the TAP device (wrapped in the pcap and fault decorators the options
/// ask for), the interface over it, and a synchronous poll loop that sleeps in the device's
/// <c>poll(2)</c> until a frame, a timer of the interface or of the command, or a signal.
/// </summary>
/// <remarks>
/// SIGINT and SIGTERM set <see cref="IsStopping"/> and wake the loop, so every command ends cleanly
/// (summary printed, pcap flushed, tap released).
/// </remarks>
public sealed class StackHost : IDisposable
{
    private CancellationTokenRegistration _signals;
    private volatile bool _stopping;

    private StackHost(Interface iface, FaultInjectorDevice? faults, ILoggerFactory? loggerFactory)
    {
        Interface = iface;
        Faults = faults;
        LoggerFactory = loggerFactory;
    }

    /// <summary>Where the stack logs (<c>--verbose</c>), or null.</summary>
    public ILoggerFactory? LoggerFactory { get; }

    /// <summary>The interface.</summary>
    public Interface Interface { get; }

    /// <summary>The fault injector, when the options enabled one.</summary>
    public FaultInjectorDevice? Faults { get; }

    /// <summary>True once SIGINT or SIGTERM arrived (or <see cref="Stop"/> was called).</summary>
    public bool IsStopping => _stopping;

    /// <summary>
    /// Opens the tap and brings the interface up with <paramref name="settings"/>; without
    /// <paramref name="withAddress"/> it has neither address nor gateway (DHCP assigns them).
    /// </summary>
    /// <exception cref="CliError">The tap cannot be opened; the message says why.</exception>
    public static StackHost Start(StackSettings settings, bool withAddress = true)
    {
        StackDevice device = StackDevice.Open(settings);
        Interface iface = new(device.Device, settings.InterfaceOptions(withAddress), settings.LoggerFactory?.CreateLogger("Usrnet.Interface"));
        StackHost host = new(iface, device.Faults, settings.LoggerFactory);
        host._signals = TerminationSignals.Register(host.Stop);
        return host;
    }

    /// <summary>Asks the loop to stop, from any thread.</summary>
    public void Stop()
    {
        _stopping = true;
        Interface.Device.Wake();
    }

    /// <summary>Wakes a <see cref="PollUntil"/> in progress, from any thread (e.g. when stdin has a line).</summary>
    public void Wake() => Interface.Device.Wake();

    /// <summary>
    /// Polls the interface, then sleeps until a frame arrives, the interface's next timer, or
    /// <paramref name="deadline"/> (whichever is first), then polls again. Returns the time after the last poll.
    /// Once stopping it no longer sleeps, unless <paramref name="waitWhenStopping"/> (for work that must
    /// finish on the way out, such as a DHCPRELEASE waiting for ARP).
    /// </summary>
    public Instant PollUntil(Instant? deadline, bool waitWhenStopping = false)
    {
        Instant now = Instant.Now;
        // When this poll received or sent something, the caller has work first: do not sleep on it.
        bool progress = Interface.Poll(now);
        Instant? wake = Instant.Min(Interface.PollAt(now), deadline);
        if ((!_stopping || waitWhenStopping) && !progress)
        {
            Interface.Device.Wait(wake is { } at ? (at > now ? at - now : TimeSpan.Zero) : null);
        }
        now = Instant.Now;
        Interface.Poll(now);
        return now;
    }

    /// <summary>Runs the loop until <paramref name="done"/> says so, the deadline passes or a signal arrives.</summary>
    public void RunUntil(Func<bool> done, Instant? deadline = null)
    {
        while (!_stopping && !done())
        {
            Instant now = PollUntil(deadline);
            if (deadline is { } d && now >= d)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Closes every TCP connection as the kernel does when a process exits (<see cref="Interface.CloseAll"/>:
    /// a FIN after the queued data, a reset for what has not finished after <see cref="Interface.DefaultLinger"/>),
    /// then releases the tap (and flushes the pcap file). A second SIGINT or SIGTERM during the linger ends
    /// the process at once: the signals are back to their default action.
    /// </summary>
    public void Dispose()
    {
        _signals.Dispose();
        TerminationSignals.StopCatching();
        _stopping = true;
        Interface.CloseAll(Instant.Now, Interface.DefaultLinger);
        while (!Interface.AreConnectionsClosed)
        {
            PollUntil(null, waitWhenStopping: true);
        }
        Interface.Dispose();
    }
}
