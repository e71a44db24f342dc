using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Storage;
using Usrnet.Wire;

namespace Usrnet.Sockets;

/// <summary>
/// The sockets of one interface. Sockets are created here, keep a reference to their set (for port
/// conflicts and ephemeral ports) and leave it when disposed. The interface finds the socket a packet
/// is for — TCP by one hash lookup (<see cref="TcpSocketTable"/>) — and collects what the sockets want to send.
/// </summary>
/// <remarks>
/// <para>Readiness: a socket given a <c>Token</c> (<see cref="TcpSocket.Token"/>, <see cref="TcpListenSocket.Token"/>,
/// <see cref="UdpSocket.Token"/>) queues it when it may have become readable, writable, connected,
/// acceptable or closed; after each poll the owner takes the tokens with <see cref="TryTakeReady"/> and
/// visits those sockets only, however many are open (epoll's ready list).</para>
/// <para>Not thread-safe: used by the interface's poll thread only.</para>
/// </remarks>
public sealed class SocketSet
{
    /// <summary>First port of the ephemeral range (IANA dynamic ports, RFC 6335 §6).</summary>
    public const ushort EphemeralPortFirst = TcpEphemeralPorts.First;

    /// <summary>Last port of the ephemeral range.</summary>
    public const ushort EphemeralPortLast = TcpEphemeralPorts.Last;

    private readonly Random _random;

    /// <summary>Creates an empty set. <paramref name="random"/> chooses ephemeral ports and keys; tests pass a seeded one.</summary>
    public SocketSet(Random? random = null)
    {
        _random = random ?? new Random();
        Tcp = new TcpSocketTable(Ready, random is null ? null : new Random(random.Next()));
    }

    /// <summary>Tokens of sockets that may have become ready, in the order they did.</summary>
    internal ReadyQueue Ready { get; } = new();

    internal TcpSocketTable Tcp { get; }

    internal IReadOnlyList<TcpListenSocket> TcpListeners => Tcp.Listeners;

    internal List<UdpSocket> Udp { get; } = [];

    /// <summary>Bound UDP sockets by local port: one in practice, more only for distinct local addresses.</summary>
    private readonly Dictionary<ushort, List<UdpSocket>> _udpByPort = [];

    internal List<IcmpSocket> Icmp { get; } = [];

    internal List<RawIpv4Socket> RawIpv4 { get; } = [];

    internal List<RawEthernetSocket> RawEthernet { get; } = [];

    /// <summary>Number of open sockets of all kinds.</summary>
    public int Count => Udp.Count + Icmp.Count + RawIpv4.Count + RawEthernet.Count + Tcp.Count + TcpListeners.Count;

    /// <summary>
    /// Takes the token of a socket that may have become ready since it was last taken (each token waits
    /// once however many times its socket signalled); false when none is waiting. The socket may turn out
    /// not to be ready after all: check it, as after an epoll wake-up.
    /// </summary>
    public bool TryTakeReady(out object token) => Ready.TryDequeue(out token);

    /// <summary>Creates a closed TCP socket; <see cref="TcpSocket.Connect"/> opens it.</summary>
    public TcpSocket CreateTcpSocket(TcpSocketOptions? options = null) => Tcp.Create(options ?? TcpSocketOptions.Default);

    /// <summary>Creates a TCP listener; <see cref="TcpListenSocket.Listen"/> starts it. Accepted sockets get <paramref name="options"/>.</summary>
    public TcpListenSocket CreateTcpListenSocket(TcpSocketOptions? options = null) => Tcp.CreateListener(options ?? TcpSocketOptions.Default);

    /// <summary>Creates an unbound UDP socket.</summary>
    public UdpSocket CreateUdpSocket(SocketBufferOptions? buffers = null)
    {
        UdpSocket socket = new(this, buffers ?? SocketBufferOptions.Default);
        Udp.Add(socket);
        return socket;
    }

    /// <summary>Creates an unbound ICMP socket.</summary>
    public IcmpSocket CreateIcmpSocket(SocketBufferOptions? buffers = null)
    {
        IcmpSocket socket = new(this, buffers ?? SocketBufferOptions.Default);
        Icmp.Add(socket);
        return socket;
    }

    /// <summary>Creates a raw socket that receives a copy of every IPv4 packet of <paramref name="protocol"/> addressed to the stack.</summary>
    public RawIpv4Socket CreateRawIpv4Socket(IpProtocol protocol, SocketBufferOptions? buffers = null)
    {
        RawIpv4Socket socket = new(this, protocol, buffers ?? SocketBufferOptions.Default);
        RawIpv4.Add(socket);
        return socket;
    }

    /// <summary>Creates a raw socket that receives a copy of every frame of <paramref name="etherType"/>.</summary>
    public RawEthernetSocket CreateRawEthernetSocket(EtherType etherType, SocketBufferOptions? buffers = null)
    {
        RawEthernetSocket socket = new(this, etherType, buffers ?? SocketBufferOptions.Default);
        RawEthernet.Add(socket);
        return socket;
    }

    /// <summary>
    /// Chooses a free UDP port with RFC 6056 §3.3.1 (Algorithm 1, simple port randomisation): a random
    /// starting point in the range, then the next free port.
    /// </summary>
    /// <exception cref="SocketException">Every ephemeral port is taken (<see cref="SocketError.AddressAlreadyInUse"/>).</exception>
    internal ushort AllocateUdpPort(Ipv4Address local)
    {
        const int count = EphemeralPortLast - EphemeralPortFirst + 1;
        int offset = _random.Next(count);
        for (int i = 0; i < count; i++)
        {
            ushort port = (ushort)(EphemeralPortFirst + ((offset + i) % count));
            if (!IsUdpPortTaken(new Ipv4Endpoint(local, port), except: null))
            {
                return port;
            }
        }
        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    /// <summary>True when another UDP socket holds the port on the same or a wildcard address.</summary>
    internal bool IsUdpPortTaken(Ipv4Endpoint local, UdpSocket? except)
    {
        if (!_udpByPort.TryGetValue(local.Port, out List<UdpSocket>? bound))
        {
            return false;
        }
        foreach (UdpSocket s in bound)
        {
            if (s != except && (s.LocalEndpoint.Address.IsUnspecified || local.Address.IsUnspecified || s.LocalEndpoint.Address == local.Address))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Enters a socket that has just bound its port in the port index.</summary>
    internal void BindUdp(UdpSocket socket)
    {
        ushort port = socket.LocalEndpoint.Port;
        if (!_udpByPort.TryGetValue(port, out List<UdpSocket>? bound))
        {
            bound = [];
            _udpByPort.Add(port, bound);
        }
        bound.Add(socket);
    }

    /// <summary>Takes a socket out of the set and of the port index (it was disposed).</summary>
    internal void RemoveUdp(UdpSocket socket)
    {
        Udp.Remove(socket);
        ushort port = socket.LocalEndpoint.Port;
        if (socket.IsBound && _udpByPort.TryGetValue(port, out List<UdpSocket>? bound) && bound.Remove(socket) && bound.Count == 0)
        {
            _udpByPort.Remove(port);
        }
    }

    /// <summary>The UDP socket a datagram to <paramref name="local"/> is for, or null: one lookup by port.</summary>
    internal UdpSocket? FindUdp(Ipv4Endpoint local)
    {
        if (_udpByPort.TryGetValue(local.Port, out List<UdpSocket>? bound))
        {
            foreach (UdpSocket s in bound)
            {
                if (s.Accepts(local.Address, local.Port))
                {
                    return s;
                }
            }
        }
        return null;
    }

    /// <summary>The UDP sockets bound to <paramref name="port"/> (for ICMP errors about datagrams sent from it).</summary>
    internal IReadOnlyList<UdpSocket> UdpOnPort(ushort port) =>
        _udpByPort.TryGetValue(port, out List<UdpSocket>? bound) ? bound : [];
}
