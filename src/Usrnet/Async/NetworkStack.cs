using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Usrnet.Hosting;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets;
using Usrnet.Sockets.Dhcp;
using Usrnet.Sockets.Dns;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Async;

/// <summary>
/// The stack as .NET networking: an <see cref="Iface.Interface"/> over a device, driven by a loop thread
/// of its own, with asynchronous TCP and UDP on top (<see cref="ConnectAsync(Ipv4Endpoint, CancellationToken)"/>,
/// <see cref="ListenTcp"/>, <see cref="OpenUdp"/>).
/// <code>
/// await using NetworkStack stack = NetworkStack.Start(TapDevice.Open("tap0"), new NetworkStackOptions
/// {
///     Interface = new InterfaceOptions { Address = Ipv4Cidr.Parse("10.0.0.102/24"), Gateway = Ipv4Address.Parse("10.0.0.101") },
/// });
/// await using TcpStream stream = await stack.ConnectAsync(new Ipv4Endpoint(Ipv4Address.Parse("10.0.1.2"), 80));
/// </code>
/// </summary>
/// <remarks>
/// <para>The loop sleeps in the device's <see cref="IDevice.Wait"/> (for a TAP, <c>poll(2)</c> on its fd and
/// an eventfd) with the interface's next deadline as the timeout: no sleeps, no spinning, no periodic
/// timer. Calls from other threads change socket buffers under <see cref="Gate"/> and then
/// <see cref="IDevice.Wake"/> the loop, which transmits what they queued.</para>
/// <para>A read that finds data, or a write that finds room, completes on the caller's thread without a
/// hop to the loop; one that has to wait completes from the loop, and its continuation runs on the thread
/// pool — user code never runs on the loop thread, so it can neither stall nor kill it.</para>
/// <para>Ownership: the stack owns the device and disposes it in <see cref="DisposeAsync"/>.</para>
/// </remarks>
public sealed partial class NetworkStack : IAsyncDisposable
{
    /// <summary>Frames taken from the device per round outside the gate: the interface's own per-poll budget.</summary>
    private const int FramesPerRound = InterfaceRunner.StagedFramesPerRound;

    private readonly InterfaceRunner _runner;
    private readonly Interface _iface;
    private readonly StagingDevice _staging;
    private readonly DnsResolver _resolver;
    private readonly DhcpClient? _dhcp;
    private readonly List<TaskCompletionSource<Ipv4Cidr>> _addressWaiters = [];
    private readonly NetworkStackOptions _options;
    private readonly ILogger _logger;
    private readonly Thread _loop;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<IStackWaiter> _waiting = new(ReferenceEqualityComparer.Instance);
    private readonly List<IStackWaiter> _polled = [];
    private volatile bool _stopping;

    private NetworkStack(IDevice device, NetworkStackOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger("Usrnet.NetworkStack") ?? NullLogger.Instance;
        _staging = new StagingDevice(device);
        _runner = new InterfaceRunner(new Interface(_staging, options.Interface, options.LoggerFactory?.CreateLogger("Usrnet.Interface")), new InterfaceRunnerOptions
        {
            TimeProvider = options.TimeProvider,
            DnsServers = options.DnsServers,
            SearchDomain = options.SearchDomain,
            Dns = options.Dns,
            LoggerFactory = options.LoggerFactory,
            GiveBackMemory = options.GiveBackMemory,
        })
        {
            Staging = _staging,
            TrimOnGiveBack = TrimWaiters,
        };
        _iface = _runner.Interface;
        _resolver = _runner.Resolver;
        if (options.Dhcp is { } dhcp)
        {
            _dhcp = _runner.StartDhcp(dhcp);
            _runner.DhcpEventApplied += OnDhcpEvent;
        }
        _loop = new Thread(RunLoop) { IsBackground = true, Name = "usrnet loop" };
    }

    /// <summary>
    /// The lock that guards the interface and its sockets. The loop holds it while it polls; async sockets
    /// take it to move data in and out of socket buffers. Never held across an await or a device wait.
    /// </summary>
    internal object Gate { get; } = new();

    /// <summary>Options every TCP connection is created with.</summary>
    internal TcpSocketOptions TcpOptions => _options.Tcp;

    /// <summary>The interface's hardware address.</summary>
    public EthernetAddress HardwareAddress => _iface.HardwareAddress;

    /// <summary>The interface's address and prefix, or null while it has none.</summary>
    public Ipv4Cidr? Address
    {
        get
        {
            lock (Gate)
            {
                return _iface.Address;
            }
        }
    }

    /// <summary>The DHCP lease in use, or null (no DHCP, or no lease yet or any more).</summary>
    public DhcpConfiguration? DhcpLease
    {
        get
        {
            lock (Gate)
            {
                return _dhcp?.Lease;
            }
        }
    }

    /// <summary>
    /// Raised for each DHCP event (a new, renewed or lost lease, a declined address) after the stack has
    /// applied it. Raised on the thread pool, never on the loop thread; handlers must not block for long.
    /// </summary>
    public event EventHandler<DhcpEvent>? DhcpEventOccurred;

    /// <summary>
    /// Completes with the interface's address once it has one: at once for a static address, after the
    /// DHCPACK (and the RFC 5227 probe) with DHCP.
    /// </summary>
    public Task<Ipv4Cidr> WaitForAddressAsync(CancellationToken cancellationToken = default)
    {
        lock (Gate)
        {
            ThrowIfStopping();
            if (_iface.Address is { } address)
            {
                return Task.FromResult(address);
            }
            TaskCompletionSource<Ipv4Cidr> waiter = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _addressWaiters.Add(waiter);
            return cancellationToken.CanBeCanceled ? waiter.Task.WaitAsync(cancellationToken) : waiter.Task;
        }
    }

    /// <summary>True once <see cref="DisposeAsync"/> has begun.</summary>
    public bool IsStopping => _stopping;

    /// <summary>
    /// Brings an interface up over <paramref name="device"/> and starts the loop thread. The stack owns
    /// the device from here on.
    /// </summary>
    public static NetworkStack Start(IDevice device, NetworkStackOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        options ??= new NetworkStackOptions();
        options.Tcp.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Linger, TimeSpan.Zero);
        if (options.Dhcp is not null && (options.Interface.Address is not null || options.Interface.Gateway is not null))
        {
            throw new ArgumentException("With DHCP the interface takes its address and gateway from the lease: leave Interface.Address and Interface.Gateway unset.", nameof(options));
        }
        NetworkStack stack = new(device, options);
        stack._loop.Start();
        return stack;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the interface under the gate (between two polls) and returns its
    /// result: how to read counters or ARP entries, or change the address, from outside the loop.
    /// Keep it short: the loop waits for it.
    /// </summary>
    internal T Inspect<T>(Func<Interface, T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        T result;
        lock (Gate)
        {
            result = action(_iface);
        }
        Wake();
        return result;
    }

    /// <summary>
    /// Opens a TCP connection to <paramref name="remote"/> (RFC 9293 §3.10.1) and returns it once
    /// established.
    /// </summary>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.ConnectionRefused"/> (reset by the peer), <see cref="SocketError.TimedOut"/> (no
    /// answer after the SYN retries), <see cref="SocketError.HostUnreachable"/> (no ARP answer),
    /// <see cref="SocketError.NetworkUnreachable"/> (the interface has no address)…
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first; the attempt is aborted.</exception>
    public async Task<TcpStream> ConnectAsync(Ipv4Endpoint remote, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!remote.Address.IsUnicast || remote.Port == 0)
        {
            throw new ArgumentException($"{remote} is not a unicast address and port", nameof(remote));
        }
        TcpStream stream;
        ValueTask<TcpStream> established;
        lock (Gate)
        {
            ThrowIfStopping();
            TcpSocket socket = _iface.Sockets.CreateTcpSocket(_options.Tcp);
            try
            {
                socket.Connect(_runner.Now, remote);
            }
            catch
            {
                socket.Abort();
                socket.Dispose();
                throw;
            }
            stream = new TcpStream(this, socket);
            established = stream.StartConnect(cancellationToken);
        }
        Wake();
        try
        {
            return await established.ConfigureAwait(false);
        }
        catch
        {
            stream.Abort();
            throw;
        }
    }

    /// <summary>
    /// Opens a TCP connection to <paramref name="host"/> (a dotted quad, or a name the stack's resolver
    /// looks up as A records) on <paramref name="port"/>, trying each address in turn, as
    /// <see cref="Socket.ConnectAsync(string, int)"/> does.
    /// </summary>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.HostNotFound"/> (NXDOMAIN, or no name server configured), <see cref="SocketError.NoData"/>
    /// (the name has no A record), <see cref="SocketError.TryAgain"/> (SERVFAIL, time-out, server unreachable), or the
    /// error of the last address tried (see <see cref="ConnectAsync(Ipv4Endpoint, CancellationToken)"/>).
    /// </exception>
    public async Task<TcpStream> ConnectAsync(string host, int port, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        IReadOnlyList<Ipv4Address> addresses = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (Ipv4Address address in addresses)
        {
            try
            {
                return await ConnectAsync(new Ipv4Endpoint(address, (ushort)port), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                last = e;
            }
        }
        throw last ?? new SocketException((int)SocketError.NoData, $"{host}: no IPv4 address");
    }

    /// <summary>
    /// The IPv4 addresses of <paramref name="host"/>: a dotted quad as it is, a name through the stack's
    /// resolver (A records, CNAME chains followed, the search domain applied, answers cached for their TTL).
    /// </summary>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.HostNotFound"/>, <see cref="SocketError.NoData"/> or <see cref="SocketError.TryAgain"/>,
    /// with a message naming the DNS outcome (NXDOMAIN, SERVFAIL, timeout…), as <c>getaddrinfo</c> reports them.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="host"/> is neither an address nor a valid name.</exception>
    public async Task<IReadOnlyList<Ipv4Address>> ResolveAsync(string host, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (Ipv4Address.TryParse(host, out Ipv4Address literal))
        {
            return [literal];
        }
        DnsQuery query = await LookupAsync(host, DnsRecordType.A, cancellationToken).ConfigureAwait(false);
        if (query.Status == DnsQueryStatus.Succeeded && query.Addresses.Count > 0)
        {
            return query.Addresses;
        }
        SocketError error = query.Error switch
        {
            DnsError.NameError or DnsError.NoServers => SocketError.HostNotFound,
            DnsError.NoData or DnsError.None => SocketError.NoData,
            _ => SocketError.TryAgain,
        };
        throw new SocketException((int)error, $"{host}: {Describe(query.Error)}");
    }

    /// <summary>
    /// Asks the stack's resolver for <paramref name="type"/> records of <paramref name="name"/> and returns
    /// the finished query, succeeded or failed (its <see cref="DnsQuery.Error"/> says why): what <c>dig</c> needs.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid domain name.</exception>
    public Task<DnsQuery> LookupAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        Task<DnsQuery> done;
        lock (Gate)
        {
            ThrowIfStopping();
            done = DnsLookup.Start(this, _resolver.StartQuery(name, type, _runner.Now), cancellationToken).Task;
        }
        Wake();
        return done;
    }

    /// <summary>The name servers the resolver asks now (from the options, or from DHCP).</summary>
    public IReadOnlyList<Ipv4Address> DnsServers
    {
        get
        {
            lock (Gate)
            {
                return _resolver.Servers;
            }
        }
    }

    private static string Describe(DnsError error) => error switch
    {
        DnsError.NameError => "NXDOMAIN",
        DnsError.NoData => "no A record (NODATA)",
        DnsError.ServerFailure => "SERVFAIL",
        DnsError.Refused => "REFUSED",
        DnsError.Timeout => "DNS timeout",
        DnsError.NoServers => "no name server configured",
        DnsError.ConnectionRefused => "name server refused the connection",
        DnsError.ServerUnreachable => "name server unreachable",
        _ => error.ToString(),
    };

    /// <summary>
    /// Listens for TCP connections on <paramref name="port"/> of the interface's address (RFC 9293
    /// §3.10.1 passive OPEN), with at most <paramref name="backlog"/> established connections waiting for
    /// <see cref="TcpStreamListener.AcceptAsync"/>. Port 0 picks a free ephemeral port:
    /// <see cref="TcpStreamListener.LocalEndpoint"/> says which.
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/> when another listener has the port.</exception>
    public TcpStreamListener ListenTcp(ushort port, int backlog = 128)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 1);
        lock (Gate)
        {
            ThrowIfStopping();
            TcpListenSocket socket = _iface.Sockets.CreateTcpListenSocket(_options.Tcp);
            try
            {
                socket.Listen(port, backlog);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            return new TcpStreamListener(this, socket);
        }
    }

    /// <summary>
    /// Opens a UDP socket bound to <paramref name="port"/> on every address of the interface (0 picks an
    /// ephemeral port, RFC 6056).
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/> when the port is taken.</exception>
    public UdpChannel OpenUdp(ushort port = 0)
    {
        lock (Gate)
        {
            ThrowIfStopping();
            UdpSocket socket = _iface.Sockets.CreateUdpSocket();
            try
            {
                socket.Bind(port);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            return new UdpChannel(this, socket);
        }
    }

    /// <summary>
    /// Stops the loop, closes every connection and releases the device, as the kernel closes a process's
    /// sockets when it exits: pending operations fail with <see cref="SocketError.OperationAborted"/>; each
    /// connection sends the data already queued and a FIN (a reset at once if received data was left
    /// unread); what has not finished closing after <see cref="NetworkStackOptions.Linger"/> is reset; then
    /// the device is released. Safe to call twice.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stopping)
        {
            _stopping = true;
            Wake();
        }
        await _stopped.Task.ConfigureAwait(false);
    }

    /// <summary>Makes the loop poll soon: after a call gave a socket work (see <see cref="TcpSocket"/>'s active list). Any thread.</summary>
    internal void Wake() => _iface.Device.Wake();

    /// <summary>
    /// Registers <paramref name="waiter"/>, whose socket carries it as its token, to be asked whether its
    /// pending operation can complete each time the socket signals readiness. Caller holds the gate.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The stack is stopping: no loop would ever complete the operation.</exception>
    internal void AddWaiter(IStackWaiter waiter)
    {
        ThrowIfStopping();
        _waiting.Add(waiter);
    }

    /// <summary>
    /// Registers a waiter that no socket signals for (a DNS lookup, which the resolver finishes): it is
    /// asked after every poll. Caller holds the gate.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The stack is stopping.</exception>
    internal void AddPolledWaiter(IStackWaiter waiter)
    {
        AddWaiter(waiter);
        _polled.Add(waiter);
    }

    /// <summary>Forgets a waiter whose socket is closed by its user (its operations were failed). Caller holds the gate.</summary>
    internal void RemoveWaiter(IStackWaiter waiter) => _waiting.Remove(waiter);

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the stack is stopping. Caller holds the gate.</summary>
    internal void ThrowIfStopping() => ObjectDisposedException.ThrowIf(_stopping, this);

    private void RunLoop()
    {
        try
        {
            while (!_stopping)
            {
                // Device I/O happens outside the gate, so a user call waits for processing, never for a syscall.
                bool received = _staging.Stage(_runner.Now, FramesPerRound) > 0;
                Instant? wake;
                lock (Gate)
                {
                    wake = PollOnce();
                }
                bool sent = _staging.Flush(_runner.Now) > 0;
                if (!received && !sent && !_stopping)
                {
                    _runner.Wait(wake);
                }
            }
        }
        finally
        {
            lock (Gate)
            {
                AbortAll();
            }
            try
            {
                _runner.CloseConnections(_options.Linger, Gate);
            }
            catch (Exception e)
            {
                Log.PollFailed(_logger, e);
            }
            try
            {
                _runner.ReleaseLease(Gate);
            }
            catch (Exception e)
            {
                Log.PollFailed(_logger, e);
            }
            lock (Gate)
            {
                _runner.Dispose();
            }
            _stopped.TrySetResult();
        }
    }

    /// <summary>Gives back what the waiter collections grew to for many connections (a memory give-back, under the gate).</summary>
    private void TrimWaiters()
    {
        _waiting.TrimExcess();
        _polled.TrimExcess();
    }

    /// <summary>One round: poll, complete what became ready, and say until when the loop may sleep.</summary>
    private Instant? PollOnce()
    {
        Instant now = _runner.Now;
        bool progress;
        try
        {
            progress = _runner.Poll(now);
        }
        catch (Exception e)
        {
            // The interface counts and drops malformed input itself; anything reaching here is a bug. Log it
            // and keep serving: one bad frame must not end every connection of the process.
            Log.PollFailed(_logger, e);
            progress = false;
        }
        CompleteWaiters(now);
        now = _runner.Now;
        return progress ? now : _runner.PollAt(now);
    }

    /// <summary>
    /// What the stack adds to a DHCP event the runner applied (under the gate, on the loop thread): the
    /// address waiters complete, and the users' handlers run on the thread pool.
    /// </summary>
    private void OnDhcpEvent(object? sender, DhcpEvent e)
    {
        if (_iface.Address is { } address)
        {
            foreach (TaskCompletionSource<Ipv4Cidr> waiter in _addressWaiters)
            {
                waiter.TrySetResult(address);
            }
            _addressWaiters.Clear();
        }
        if (DhcpEventOccurred is { } handler)
        {
            // Never on the loop thread: a slow or throwing handler must not stall the stack.
            ThreadPool.UnsafeQueueUserWorkItem(state => handler(this, state), e, preferLocal: false);
        }
    }

    /// <summary>
    /// Completes what the poll made possible: the waiters whose sockets signalled readiness, then the
    /// polled ones. Idle connections cost nothing here, however many have a read pending.
    /// </summary>
    private void CompleteWaiters(Instant now)
    {
        while (_iface.Sockets.TryTakeReady(out object token))
        {
            if (token is IStackWaiter waiter && _waiting.Contains(waiter))
            {
                Complete(waiter, now);
            }
        }
        for (int i = _polled.Count - 1; i >= 0; i--)
        {
            IStackWaiter waiter = _polled[i];
            if (!_waiting.Contains(waiter) || Complete(waiter, now))
            {
                _polled[i] = _polled[^1];
                _polled.RemoveAt(_polled.Count - 1);
            }
        }
    }

    /// <summary>Asks one waiter; forgets it once nothing of it is pending. True when forgotten.</summary>
    private bool Complete(IStackWaiter waiter, Instant now)
    {
        bool done;
        try
        {
            done = waiter.TryComplete(now);
        }
        catch (Exception e)
        {
            Log.PollFailed(_logger, e);
            done = true;
        }
        if (done)
        {
            _waiting.Remove(waiter);
        }
        return done;
    }

    private void AbortAll()
    {
        foreach (TaskCompletionSource<Ipv4Cidr> waiter in _addressWaiters)
        {
            waiter.TrySetException(new ObjectDisposedException(nameof(NetworkStack)));
        }
        _addressWaiters.Clear();
        foreach (IStackWaiter waiter in _waiting)
        {
            waiter.Abort(new SocketException((int)SocketError.OperationAborted));
        }
        _waiting.Clear();
        _polled.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "The stack's loop caught an exception and goes on")]
        public static partial void PollFailed(ILogger logger, Exception exception);
    }
}

/// <summary>
/// An async socket with an operation that waits for the stack (data, room, a connection). It is its
/// socket's token, so the stack asks it only when that socket signals readiness.
/// </summary>
internal interface IStackWaiter
{
    /// <summary>
    /// Completes what can complete now; returns true when nothing is pending any more (the stack then
    /// forgets the waiter until it registers again). Called by the loop under the gate, after its socket
    /// signalled; the socket may turn out not to be ready after all.
    /// </summary>
    bool TryComplete(Instant now);

    /// <summary>Fails every pending operation with <paramref name="error"/> (the stack is stopping). Under the gate.</summary>
    void Abort(Exception error);
}
