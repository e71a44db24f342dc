using Microsoft.Extensions.Logging;
using Usrnet.Hosting;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Dns;

namespace Usrnet.Cli;

/// <summary>
/// One command's running stack: the TAP device (wrapped in the pcap and fault decorators the options
/// ask for), the interface over it, and the library's <see cref="InterfaceRunner"/> that drives it: a
/// synchronous poll loop that sleeps in the device's <c>poll(2)</c> until a frame, a timer of the
/// interface, its DHCP client or resolver, or of the command, or a signal.
/// </summary>
/// <remarks>
/// SIGINT and SIGTERM set <see cref="IsStopping"/> and wake the loop, so every command ends cleanly
/// (summary printed, pcap flushed, tap released). Commands read the time from <see cref="Now"/>, the
/// runner's clock, so that a test runs them on virtual time (<see cref="Over"/>).
/// </remarks>
public sealed class StackHost : IDisposable
{
    private CancellationTokenRegistration _signals;
    private bool _catchingSignals;
    private volatile bool _stopping;

    private StackHost(InterfaceRunner runner, FaultInjectorDevice? faults, ILoggerFactory? loggerFactory)
    {
        Runner = runner;
        Faults = faults;
        LoggerFactory = loggerFactory;
    }

    /// <summary>Where the stack logs (<c>--verbose</c>), or null.</summary>
    public ILoggerFactory? LoggerFactory { get; }

    /// <summary>What drives the interface: polls, DHCP, the resolver, waits, closing and the release.</summary>
    public InterfaceRunner Runner { get; }

    /// <summary>The interface.</summary>
    public Interface Interface => Runner.Interface;

    /// <summary>The current time on the stack's clock: what every command measures with.</summary>
    public Instant Now => Runner.Now;

    /// <summary>The fault injector, when the options enabled one.</summary>
    public FaultInjectorDevice? Faults { get; }

    /// <summary>True once SIGINT or SIGTERM arrived (or <see cref="Stop"/> was called).</summary>
    public bool IsStopping => _stopping;

    /// <summary>
    /// Opens the tap and brings the interface up with <paramref name="settings"/>; without
    /// <paramref name="withAddress"/> it has neither address nor gateway (DHCP assigns them).
    /// </summary>
    /// <param name="settings">The tap, MAC, address and decorators.</param>
    /// <param name="withAddress">False for an interface that DHCP configures.</param>
    /// <param name="dns">The timeouts and attempts of the runner's resolver (dig's <c>+time</c> and <c>+tries</c>).</param>
    /// <exception cref="CliError">The tap cannot be opened; the message says why.</exception>
    public static StackHost Start(StackSettings settings, bool withAddress = true, DnsResolverOptions? dns = null)
    {
        StackDevice device = StackDevice.Open(settings);
        StackHost host = Over(device.Device, settings, TimeProvider.System, withAddress, device.Faults, dns);
        host._signals = TerminationSignals.Register(host.Stop);
        host._catchingSignals = true;
        return host;
    }

    /// <summary>
    /// A host over any device (the in-memory link in tests) on <paramref name="timeProvider"/>'s clock,
    /// without the process's signals: <see cref="Stop"/> ends it. The host owns the device.
    /// </summary>
    internal static StackHost Over(IDevice device, StackSettings settings, TimeProvider timeProvider, bool withAddress = true, FaultInjectorDevice? faults = null, DnsResolverOptions? dns = null)
    {
        Interface iface = new(device, settings.InterfaceOptions(withAddress), settings.LoggerFactory?.CreateLogger("Usrnet.Interface"));
        InterfaceRunner runner = new(iface, new InterfaceRunnerOptions
        {
            TimeProvider = timeProvider,
            LoggerFactory = settings.LoggerFactory,
            Dns = dns ?? new DnsResolverOptions(),
            GiveBackMemory = true, // the tool's process is the stack's own (InterfaceRunnerOptions.GiveBackMemory)
        });
        return new StackHost(runner, faults, settings.LoggerFactory);
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
    /// Polls (<see cref="InterfaceRunner.Poll"/>), then sleeps until a frame arrives, the runner's next
    /// timer, or <paramref name="deadline"/> (whichever is first), then polls again. Returns the time after
    /// the last poll. Once stopping it no longer sleeps, unless <paramref name="waitWhenStopping"/>.
    /// </summary>
    public Instant PollUntil(Instant? deadline, bool waitWhenStopping = false)
    {
        Instant now = Now;
        // When this poll received or sent something, the caller has work first: do not sleep on it.
        bool progress = Runner.Poll(now);
        if ((!_stopping || waitWhenStopping) && !progress)
        {
            Runner.Wait(Instant.Min(Runner.PollAt(now), deadline));
        }
        now = Now;
        Runner.Poll(now);
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
    /// Closes every TCP connection as the kernel does when a process exits (<see cref="InterfaceRunner.CloseConnections"/>:
    /// a FIN after the queued data, a reset for what has not finished after <see cref="Interface.DefaultLinger"/>),
    /// then releases the tap (and flushes the pcap file). A second SIGINT or SIGTERM during the linger ends
    /// the process at once: the signals are back to their default action.
    /// </summary>
    public void Dispose()
    {
        _signals.Dispose();
        if (_catchingSignals)
        {
            TerminationSignals.StopCatching();
        }
        _stopping = true;
        Runner.CloseConnections(Interface.DefaultLinger);
        Runner.Dispose();
    }
}
