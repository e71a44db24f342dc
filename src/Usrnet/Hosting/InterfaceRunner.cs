using Microsoft.Extensions.Logging;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Dhcp;
using Usrnet.Sockets.Dns;
using Usrnet.Wire;

namespace Usrnet.Hosting;

/// <summary>
/// The owner's side of the core, in one place: it polls an <see cref="Iface.Interface"/> with the time of
/// its clock, runs a DHCP client and a DNS resolver beside it and applies what the client reports (address,
/// gateway, name servers, search domain, and their removal when the lease is released or lost), says when
/// it next has work, sleeps on the device until then, and on the way out closes the connections with a
/// linger and releases the lease. <see cref="Async.NetworkStack"/>'s loop thread and every command of the
/// <c>usrnet</c> tool drive the stack through it.
/// </summary>
/// <remarks>
/// <para>The runner is synchronous and has no thread: its owner calls <see cref="Poll"/> and
/// <see cref="Wait"/> in a loop. Time comes from <see cref="InterfaceRunnerOptions.TimeProvider"/>, so a
/// fake clock runs the whole stack, waits included, on virtual time.</para>
/// <para>Not thread-safe, as the interface is not. An owner that shares the interface with other threads
/// (the async facade) holds its own lock around <see cref="Poll"/> and passes that lock to
/// <see cref="CloseConnections"/> and <see cref="ReleaseLease"/>, which hold it only while they poll.</para>
/// <code>
/// using InterfaceRunner runner = new(new Interface(device, new InterfaceOptions()));
/// runner.StartDhcp(new DhcpClientOptions());
/// while (runner.Interface.Address is null)
/// {
///     bool progress = runner.Poll(runner.Now);
///     runner.Wait(progress ? runner.Now : runner.PollAt(runner.Now));
/// }
/// </code>
/// </remarks>
public sealed class InterfaceRunner : IDisposable
{
    /// <summary>
    /// How long the DHCPRELEASE (RFC 2131 §4.4.6) may take to leave on the way out: the server's MAC may
    /// have to be resolved first, and an exit must not wait on a server that has gone.
    /// </summary>
    public static readonly TimeSpan ReleaseFlushLimit = TimeSpan.FromSeconds(2);

    /// <summary>Frames a <see cref="Staging"/> device takes from its inner device per round: the interface's own per-poll budget.</summary>
    internal const int StagedFramesPerRound = 256;

    private readonly InterfaceRunnerOptions _options;
    private readonly bool _systemClock;
    private readonly double _microsecondsPerTick;
    private readonly object _ownGate = new();
    private readonly MemoryGiveBack? _giveBack;

    /// <summary>Runs <paramref name="iface"/>, which the runner owns from here on (<see cref="Dispose"/> disposes it).</summary>
    public InterfaceRunner(Interface iface, InterfaceRunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(iface);
        _options = options ?? new InterfaceRunnerOptions();
        ArgumentNullException.ThrowIfNull(_options.TimeProvider, nameof(options));
        Interface = iface;
        TimeProvider = _options.TimeProvider;
        _systemClock = ReferenceEquals(TimeProvider, TimeProvider.System);
        _microsecondsPerTick = 1_000_000.0 / TimeProvider.TimestampFrequency;
        _giveBack = _options.GiveBackMemory ? new MemoryGiveBack(GiveBack, _options.GiveBackHeap) : null;
        Resolver = new DnsResolver(iface.Sockets, _options.Dns)
        {
            Servers = _options.DnsServers,
            SearchDomain = _options.SearchDomain,
        };
    }

    /// <summary>The interface the runner polls.</summary>
    public Interface Interface { get; }

    /// <summary>The resolver the runner polls beside the interface, configured by the options and by DHCP.</summary>
    public DnsResolver Resolver { get; }

    /// <summary>
    /// The interface's device when it is a <see cref="StagingDevice"/> (the async facade's): then
    /// <see cref="CloseConnections"/> and <see cref="ReleaseLease"/> stage received frames before they take
    /// the gate and flush what the poll queued after they leave it, so no device I/O happens under it.
    /// </summary>
    internal StagingDevice? Staging { get; init; }

    /// <summary>The DHCP client, once <see cref="StartDhcp"/> made one; null before.</summary>
    public DhcpClient? Dhcp { get; private set; }

    /// <summary>The clock of every poll and wait.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The current time on the runner's clock, as the core takes it.</summary>
    public Instant Now => new((long)(TimeProvider.GetTimestamp() * _microsecondsPerTick));

    /// <summary>
    /// Raised by <see cref="Poll"/> for each DHCP event, after the runner has applied it to the interface
    /// and the resolver. Raised on the polling thread, inside the owner's lock: handlers must be short.
    /// </summary>
    public event EventHandler<DhcpEvent>? DhcpEventApplied;

    /// <summary>
    /// Starts a DHCP client (RFC 2131) on the interface, whose events <see cref="Poll"/> applies from now
    /// on. The interface should have no address: the lease gives it one.
    /// </summary>
    /// <exception cref="InvalidOperationException">A client was started already.</exception>
    public DhcpClient StartDhcp(DhcpClientOptions options, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Dhcp is not null)
        {
            throw new InvalidOperationException("The runner has a DHCP client already.");
        }
        Dhcp = new DhcpClient(Interface.Sockets, Interface.HardwareAddress, options, random, _options.LoggerFactory?.CreateLogger("Usrnet.Dhcp"));
        return Dhcp;
    }

    /// <summary>
    /// One round: polls the interface, then the DHCP client (applying each event it reports before the
    /// next interface poll, so that what the client queued leaves from the right address), then the
    /// resolver; with <see cref="InterfaceRunnerOptions.GiveBackMemory"/>, gives memory back once many
    /// connections have closed or the link has fallen quiet. Returns true when anything was received, sent or
    /// reported: the owner then polls again before it sleeps.
    /// </summary>
    public bool Poll(Instant now)
    {
        bool progress = Interface.Poll(now);
        progress |= PollDhcp(now);
        progress |= Resolver.Poll(now, Interface.Address?.Address);
        _giveBack?.Observe(now, MemoryGiveBack.Connections(Interface), MemoryGiveBack.Frames(Interface));
        return progress;
    }

    /// <summary>
    /// What the runner's owner trims before a memory give-back's collection, on the polling thread inside
    /// <see cref="Poll"/> (so under the owner's lock if it polls under one): the collections it grew for
    /// many connections (the async facade's waiter set).
    /// </summary>
    internal Action? TrimOnGiveBack { get; init; }

    private TimeSpan GiveBack()
    {
        TrimOnGiveBack?.Invoke();
        return MemoryGiveBack.GiveBack(Interface);
    }

    /// <summary>Full collections run to give memory back (<see cref="InterfaceRunnerOptions.GiveBackMemory"/>).</summary>
    public int MemoryGiveBacks => _giveBack?.Collections ?? 0;

    /// <summary>The next instant <see cref="Poll"/> has work: the earliest of the interface's, the client's, the resolver's and the memory give-back's; null for none.</summary>
    public Instant? PollAt(Instant now) =>
        Instant.Min(Instant.Min(Instant.Min(Interface.PollAt(now), Resolver.PollAt(now)), Dhcp?.PollAt(now)), _giveBack?.PollAt);

    /// <summary>
    /// Sleeps in the device's <see cref="Phy.IDevice.Wait"/> until a frame arrives, the device is woken, or
    /// the runner's clock reaches <paramref name="deadline"/> (null: no deadline). Returns at once when the
    /// deadline has passed.
    /// </summary>
    public void Wait(Instant? deadline)
    {
        Instant now = Now;
        if (deadline is { } d && d <= now)
        {
            return;
        }
        TimeSpan? timeout = deadline - now;
        if (_systemClock || timeout is null)
        {
            Interface.Device.Wait(timeout);
            return;
        }
        // Another clock: the device waits in real time, so the clock's own timer ends the wait when its
        // time reaches the deadline. A wake left over from a timer that fired late costs one extra poll.
        using ITimer timer = TimeProvider.CreateTimer(static device => ((Phy.IDevice)device!).Wake(), Interface.Device, timeout.Value, Timeout.InfiniteTimeSpan);
        Interface.Device.Wait(null);
    }

    /// <summary>
    /// Closes every TCP connection as the kernel closes an exiting process's sockets
    /// (<see cref="Interface.CloseAll"/>: a FIN after the queued data, a reset for what has not finished
    /// within <paramref name="linger"/>), polling and waiting until all have finished.
    /// <paramref name="gate"/>, when given, is held while polling and released while waiting, so callers on
    /// other threads are not blocked through the linger.
    /// </summary>
    public void CloseConnections(TimeSpan linger, object? gate = null)
    {
        gate ??= _ownGate;
        lock (gate)
        {
            Interface.CloseAll(Now, linger);
        }
        while (true)
        {
            Instant? wake;
            bool closed;
            Staging?.Stage(Now, StagedFramesPerRound);
            lock (gate)
            {
                Interface.Poll(Now);
                closed = Interface.AreConnectionsClosed;
                wake = Interface.PollAt(Now);
            }
            Staging?.Flush(Now);
            if (closed)
            {
                return;
            }
            Wait(wake);
        }
    }

    /// <summary>
    /// On the way out with a lease: sends DHCPRELEASE (RFC 2131 §4.4.6), polls until it has left (the
    /// server's MAC may need resolving) or <see cref="ReleaseFlushLimit"/> passes, then removes the address
    /// and gateway from the interface and gives the resolver back its configured servers and search
    /// domain, as a lost lease does. Returns the released address, or null when there was no lease.
    /// <paramref name="gate"/> as for <see cref="CloseConnections"/>.
    /// </summary>
    public Ipv4Cidr? ReleaseLease(object? gate = null)
    {
        gate ??= _ownGate;
        Ipv4Cidr address;
        lock (gate)
        {
            if (Dhcp?.Lease is not { } lease || !Dhcp.Release(Now))
            {
                return null;
            }
            address = lease.Address;
        }
        Instant until = Now + ReleaseFlushLimit;
        while (true)
        {
            Instant? wake;
            bool done;
            Staging?.Stage(Now, StagedFramesPerRound);
            lock (gate)
            {
                Instant now = Now;
                Interface.Poll(now);
                done = now >= until || (Interface.ArpCache.ParkedCount == 0 && Interface.PollAt(now) != now);
                if (done)
                {
                    Deconfigure();
                }
                wake = Instant.Min(Interface.PollAt(now), until);
            }
            Staging?.Flush(Now);
            if (done)
            {
                return address;
            }
            Wait(wake);
        }
    }

    /// <summary>Disposes the DHCP client and the interface (and so the device).</summary>
    public void Dispose()
    {
        Dhcp?.Dispose();
        Interface.Dispose();
    }

    /// <summary>Runs the DHCP client and applies what it reports. True when an event came.</summary>
    private bool PollDhcp(Instant now)
    {
        if (Dhcp is null)
        {
            return false;
        }
        Dhcp.Poll(now);
        bool any = false;
        while (Dhcp.TakeEvent() is { } e)
        {
            any = true;
            Apply(e);
            DhcpEventApplied?.Invoke(this, e);
        }
        return any;
    }

    /// <summary>
    /// The owner's side of an event (docs/articles/design.md §2, sockets report, the owner applies): the
    /// interface takes address and gateway, the resolver the lease's name servers and search domain unless
    /// the options fixed them; a lost lease gives both back what they had without it.
    /// </summary>
    private void Apply(DhcpEvent e)
    {
        Interface.Apply(e);
        DhcpConfiguration? lease = e switch
        {
            DhcpConfigured c => c.Configuration,
            DhcpRenewed r => r.Configuration,
            _ => null,
        };
        if (lease is not null)
        {
            Resolver.Servers = _options.DnsServers.Count > 0 ? _options.DnsServers : lease.DnsServers;
            Resolver.SearchDomain = _options.SearchDomain ?? lease.DomainName;
        }
        else if (e is DhcpDeconfigured)
        {
            Deconfigure();
        }
    }

    /// <summary>What the interface and the resolver have without a lease.</summary>
    private void Deconfigure()
    {
        Interface.SetAddress(null);
        Interface.Gateway = null;
        Resolver.Servers = _options.DnsServers;
        Resolver.SearchDomain = _options.SearchDomain;
    }
}
