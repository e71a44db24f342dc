using System.Collections;
using System.Net.Sockets;
using Usrnet.Storage;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// The TCP sockets of one interface and what they share: connections by four-tuple and listeners by
/// port (so a segment finds its socket by one hash lookup), ephemeral ports (RFC 6056 Algorithm 4), the
/// ISN and SYN-cookie generators, the route the interface tells them about, and the two work lists
/// the interface drains each poll — sockets with something to do now, and a deadline heap for the rest —
/// so a poll costs the work done, not the number of sockets.
/// </summary>
/// <remarks>
/// <para>A socket is <em>active</em> from the moment anything may give it output — a segment arrives, its
/// user sends, reads, closes or aborts, or one of its timers is due — until a dispatch finds it has nothing
/// more to send; then its next deadline (<see cref="TcpSocket.PollAt"/>) goes on the heap. Heap entries are
/// never removed: a socket whose deadline moves earlier gets a second entry, and an entry that no longer
/// matches the socket's <see cref="TcpSocket.ScheduledAt"/> is skipped when it reaches the top.</para>
/// <para>Readiness: a socket with a <see cref="TcpSocket.Token"/> queues it in the set's ready queue when
/// a segment arrives for it or its state changes, which is when a reader, writer, connect or accept
/// waiting on it may complete.</para>
/// <para>Not thread-safe: the interface's poll thread, or its owner under the owner's lock.</para>
/// </remarks>
internal sealed class TcpSocketTable : IReadOnlyCollection<TcpSocket>
{
    private readonly List<TcpSocket> _sockets = [];
    private readonly List<TcpListenSocket> _listenSockets = [];
    private readonly Dictionary<ConnectionKey, TcpSocket> _connections = [];
    private readonly Dictionary<ushort, TcpListenSocket> _listeners = [];
    private readonly Dictionary<ushort, int> _localPortUse = [];
    private readonly PriorityQueue<TcpSocket, Instant> _deadlines = new();
    private readonly TcpEphemeralPorts _ephemeralPorts;
    private readonly Random _random;
    private List<TcpSocket> _active = [];
    private List<TcpSocket> _dispatching = [];

    /// <summary>A table whose generators are seeded from <paramref name="random"/> (tests) or the system's generator.</summary>
    public TcpSocketTable(ReadyQueue ready, Random? random)
    {
        Ready = ready;
        _random = random ?? new Random();
        InitialSequenceNumbers = new TcpInitialSequenceNumbers(random is null ? null : new Random(random.Next()));
        SynCookies = new TcpSynCookies(random is null ? null : new Random(random.Next()));
        _ephemeralPorts = new TcpEphemeralPorts(random is null ? null : new Random(random.Next()));
    }

    /// <summary>Where sockets with a token announce that they may have become ready.</summary>
    public ReadyQueue Ready { get; }

    /// <summary>Initial sequence numbers (RFC 6528).</summary>
    public TcpInitialSequenceNumbers InitialSequenceNumbers { get; }

    /// <summary>SYN cookies (RFC 4987 §3.6).</summary>
    public TcpSynCookies SynCookies { get; }

    /// <summary>
    /// The address connections open from, as the interface has it now; null while it has none, when
    /// <see cref="TcpSocket.Connect"/> fails with <see cref="SocketError.NetworkUnreachable"/>.
    /// </summary>
    public Ipv4Address? LocalAddress { get; set; }

    /// <summary>
    /// The MSS the route allows, offered in our SYN or SYN-ACK and the most we send: the device's MTU less
    /// the IPv4 and TCP headers (RFC 9293 §3.7.1). Set by the interface from its device's capabilities.
    /// </summary>
    public int RouteMss { get; set; } = TcpSocket.DefaultMss;

    /// <summary>
    /// Gives back the capacity the table's collections grew to beyond what they hold now, after many
    /// connections have closed (the owner's memory give-back). Not during a dispatch.
    /// </summary>
    internal void TrimExcess()
    {
        _sockets.TrimExcess();
        _connections.TrimExcess();
        _localPortUse.TrimExcess();
        _deadlines.TrimExcess();
        _active.TrimExcess();
        _dispatching.TrimExcess();
    }

    /// <summary>Sockets of all states, closed ones its users still hold included.</summary>
    public int Count => _sockets.Count;

    /// <summary>The socket at <paramref name="index"/> of the table's list (the newest is last until one leaves).</summary>
    public TcpSocket this[int index] => _sockets[index];

    /// <summary>Listeners, listening or not.</summary>
    public IReadOnlyList<TcpListenSocket> Listeners => _listenSockets;

    /// <summary>Creates a closed socket in this table.</summary>
    public TcpSocket Create(TcpSocketOptions options)
    {
        TcpSocket socket = new(this, options) { TableIndex = _sockets.Count };
        _sockets.Add(socket);
        return socket;
    }

    /// <summary>Creates a listener in this table; it takes a port with <see cref="TcpListenSocket.Listen"/>.</summary>
    public TcpListenSocket CreateListener(TcpSocketOptions options)
    {
        TcpListenSocket listener = new(this, options);
        _listenSockets.Add(listener);
        return listener;
    }

    /// <summary>The connection a segment from <paramref name="remote"/> to <paramref name="local"/> belongs to, or null.</summary>
    public TcpSocket? Find(Ipv4Endpoint remote, Ipv4Endpoint local) =>
        _connections.TryGetValue(new ConnectionKey(remote, local.Port), out TcpSocket? socket)
        && (socket.LocalEndpoint.Address == local.Address || socket.LocalEndpoint.Address.IsUnspecified) ? socket : null;

    /// <summary>The listener that takes connections to <paramref name="local"/>, or null.</summary>
    public TcpListenSocket? FindListener(Ipv4Endpoint local) =>
        _listeners.TryGetValue(local.Port, out TcpListenSocket? listener) && listener.Accepts(local.Address, local.Port) ? listener : null;

    /// <summary>True when an open connection other than <paramref name="except"/> has this local port and peer.</summary>
    public bool IsTupleTaken(ushort localPort, Ipv4Endpoint remote, TcpSocket? except) =>
        _connections.TryGetValue(new ConnectionKey(remote, localPort), out TcpSocket? other) && other != except;

    /// <summary>A local port for a connection to <paramref name="remote"/> (RFC 6056 §3.3.4).</summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/>: every port is taken for that peer.</exception>
    public ushort AllocatePort(Ipv4Address local, Ipv4Endpoint remote) =>
        _ephemeralPorts.Select(local, remote, (Table: this, Remote: remote),
            static (s, port) => !s.Table.IsTupleTaken(port, s.Remote, except: null) && !s.Table._listeners.ContainsKey(port))
        ?? throw new SocketException((int)SocketError.AddressAlreadyInUse);

    /// <summary>
    /// A port for a listener bound to port 0 (RFC 6056 §3.3.1: a random start, then the next port that no
    /// listener and no open connection uses locally).
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/>: every ephemeral port is taken.</exception>
    public ushort AllocateListenPort()
    {
        int offset = _random.Next(TcpEphemeralPorts.Count);
        for (int i = 0; i < TcpEphemeralPorts.Count; i++)
        {
            ushort port = (ushort)(TcpEphemeralPorts.First + ((offset + i) % TcpEphemeralPorts.Count));
            if (!_listeners.ContainsKey(port) && !_localPortUse.ContainsKey(port))
            {
                return port;
            }
        }
        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    /// <summary>Gives <paramref name="listener"/> its port.</summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/>: another listener has it.</exception>
    public void BindListener(TcpListenSocket listener, ushort port)
    {
        if (!_listeners.TryAdd(port, listener) && _listeners[port] != listener)
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }
    }

    /// <summary>Frees the port of a listener that stops listening.</summary>
    public void UnbindListener(TcpListenSocket listener)
    {
        if (listener.IsListening && _listeners.TryGetValue(listener.LocalEndpoint.Port, out TcpListenSocket? bound) && bound == listener)
        {
            _listeners.Remove(listener.LocalEndpoint.Port);
        }
    }

    /// <summary>Takes a disposed listener out of the table.</summary>
    public void RemoveListener(TcpListenSocket listener)
    {
        UnbindListener(listener);
        _listenSockets.Remove(listener);
    }

    /// <summary>Enters a socket leaving CLOSED under its four-tuple, so segments find it.</summary>
    public void Bind(TcpSocket socket)
    {
        if (!_connections.TryAdd(new ConnectionKey(socket.RemoteEndpoint, socket.LocalEndpoint.Port), socket))
        {
            throw new InvalidOperationException($"two connections for {socket.LocalEndpoint} -> {socket.RemoteEndpoint}");
        }
        ushort port = socket.LocalEndpoint.Port;
        _localPortUse[port] = _localPortUse.GetValueOrDefault(port) + 1;
    }

    /// <summary>Takes a socket entering CLOSED out of the four-tuple index.</summary>
    public void Unbind(TcpSocket socket)
    {
        if (_connections.Remove(new ConnectionKey(socket.RemoteEndpoint, socket.LocalEndpoint.Port)))
        {
            ushort port = socket.LocalEndpoint.Port;
            int left = _localPortUse[port] - 1;
            if (left == 0)
            {
                _localPortUse.Remove(port);
            }
            else
            {
                _localPortUse[port] = left;
            }
        }
    }

    /// <summary>Marks <paramref name="socket"/> as having work for the next dispatch.</summary>
    public void Activate(TcpSocket socket)
    {
        if (!socket.IsActive && socket.TableIndex >= 0)
        {
            socket.IsActive = true;
            _active.Add(socket);
        }
    }

    /// <summary>Queues the socket's token, if it has one: its owner may find it readable, writable or changed.</summary>
    public void Signal(TcpSocket socket)
    {
        if (socket.Token is { } token)
        {
            Ready.Enqueue(token);
        }
    }

    /// <summary>Queues the listener's token, if it has one: a connection may be waiting to be accepted.</summary>
    public void Signal(TcpListenSocket listener)
    {
        if (listener.Token is { } token)
        {
            Ready.Enqueue(token);
        }
    }

    /// <summary>True when a socket is active (the interface must poll now).</summary>
    public bool HasActive => _active.Count > 0;

    /// <summary>
    /// Makes the sockets whose deadline has come active, then hands out the active list for one
    /// dispatch round. Each socket in it must be given back through <see cref="EndDispatch"/>.
    /// </summary>
    public List<TcpSocket> BeginDispatch(Instant now)
    {
        while (_deadlines.TryPeek(out TcpSocket? socket, out Instant at) && at <= now)
        {
            _deadlines.Dequeue();
            if (socket.ScheduledAt == at)
            {
                socket.ScheduledAt = null;
                Activate(socket);
            }
        }
        (_dispatching, _active) = (_active, _dispatching);
        return _dispatching;
    }

    /// <summary>
    /// After a socket's dispatch: a finished socket (closed, and disposed or never accepted) leaves the
    /// table; one that stopped at the per-poll limit (<paramref name="more"/>) stays active; any other has
    /// its next deadline put on the heap.
    /// </summary>
    public void EndDispatch(TcpSocket socket, Instant now, bool more)
    {
        socket.IsActive = false;
        if (socket.IsFinished)
        {
            Remove(socket);
            return;
        }
        if (more)
        {
            Activate(socket);
            return;
        }
        Schedule(socket, now);
    }

    /// <summary>Ends a dispatch round: the list handed out by <see cref="BeginDispatch"/> is empty again.</summary>
    public void CompleteDispatch() => _dispatching.Clear();

    /// <summary>Puts the socket's next deadline on the heap, unless an entry at or before it is there already.</summary>
    private void Schedule(TcpSocket socket, Instant now)
    {
        if (socket.PollAt(now) is not { } at)
        {
            return;
        }
        if (at <= now)
        {
            Activate(socket);
        }
        else if (socket.ScheduledAt is not { } scheduled || at < scheduled)
        {
            socket.ScheduledAt = at;
            _deadlines.Enqueue(socket, at);
        }
    }

    /// <summary>
    /// The earliest deadline of any socket: now while one is active, else the heap's first entry that is
    /// still current (stale ones are dropped on the way); null when no socket waits for anything.
    /// </summary>
    public Instant? PollAt(Instant now)
    {
        if (_active.Count > 0)
        {
            return now;
        }
        while (_deadlines.TryPeek(out TcpSocket? socket, out Instant at))
        {
            if (socket.ScheduledAt == at)
            {
                return at;
            }
            _deadlines.Dequeue();
        }
        return null;
    }

    private void Remove(TcpSocket socket)
    {
        int index = socket.TableIndex;
        TcpSocket last = _sockets[^1];
        _sockets[index] = last;
        last.TableIndex = index;
        _sockets.RemoveAt(_sockets.Count - 1);
        socket.TableIndex = -1;
        socket.ScheduledAt = null;
        socket.ReleaseBuffers(); // closed and gone: no one reads or sends on it again
    }

    /// <inheritdoc/>
    public IEnumerator<TcpSocket> GetEnumerator() => _sockets.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>What a segment is looked up by: the peer's address and port and our port (an interface has one address).</summary>
    /// <remarks>
    /// The hash is <see cref="HashCode"/>'s, seeded at random per process, so a peer choosing its ports
    /// cannot aim many connections at one bucket.
    /// </remarks>
    private readonly record struct ConnectionKey(Ipv4Endpoint Remote, ushort LocalPort)
    {
        public override int GetHashCode() => HashCode.Combine(Remote.Address.Value, Remote.Port, LocalPort);
    }
}
