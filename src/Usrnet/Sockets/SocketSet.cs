using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Sockets;

/// <summary>
/// The sockets of one interface. Sockets are created here, keep a reference to their set (for port
/// conflicts and ephemeral ports) and leave it when disposed. The interface walks the set to deliver
/// what it receives and to collect what the sockets want to send.
/// </summary>
/// <remarks>Not thread-safe: used by the interface's poll thread only.</remarks>
public sealed class SocketSet
{
    /// <summary>First port of the ephemeral range (IANA dynamic ports, RFC 6335 §6).</summary>
    public const ushort EphemeralPortFirst = 49152;

    /// <summary>Last port of the ephemeral range.</summary>
    public const ushort EphemeralPortLast = 65535;

    private readonly Random _random;

    /// <summary>Creates an empty set. <paramref name="random"/> chooses ephemeral ports; tests pass a seeded one.</summary>
    public SocketSet(Random? random = null)
    {
        _random = random ?? new Random();
        InitialSequenceNumbers = new TcpInitialSequenceNumbers(random is null ? null : new Random(random.Next()));
        SynCookies = new TcpSynCookies(random is null ? null : new Random(random.Next()));
    }

    internal TcpSynCookies SynCookies { get; }

    internal TcpInitialSequenceNumbers InitialSequenceNumbers { get; }

    internal List<TcpSocket> Tcp { get; } = [];

    internal List<TcpListenSocket> TcpListeners { get; } = [];

    internal List<UdpSocket> Udp { get; } = [];

    internal List<IcmpSocket> Icmp { get; } = [];

    internal List<RawIpv4Socket> RawIpv4 { get; } = [];

    internal List<RawEthernetSocket> RawEthernet { get; } = [];

    /// <summary>Number of open sockets of all kinds.</summary>
    public int Count => Udp.Count + Icmp.Count + RawIpv4.Count + RawEthernet.Count + Tcp.Count + TcpListeners.Count;

    /// <summary>Creates a closed TCP socket; <see cref="TcpSocket.Connect"/> opens it.</summary>
    public TcpSocket CreateTcpSocket(TcpSocketOptions? options = null)
    {
        TcpSocket socket = new(this, options ?? TcpSocketOptions.Default);
        Tcp.Add(socket);
        return socket;
    }

    /// <summary>Creates a TCP listener; <see cref="TcpListenSocket.Listen"/> starts it. Accepted sockets get <paramref name="options"/>.</summary>
    public TcpListenSocket CreateTcpListenSocket(TcpSocketOptions? options = null)
    {
        TcpListenSocket listener = new(this, options ?? TcpSocketOptions.Default);
        TcpListeners.Add(listener);
        return listener;
    }

    /// <summary>Drops closed TCP sockets nobody will use again: disposed by their user, or never accepted.</summary>
    internal void RemoveFinishedTcpSockets() => Tcp.RemoveAll(static s =>
    {
        bool finished = s.State == TcpState.Closed && (s.IsDisposed || s.Listener is not null);
        if (finished)
        {
            s.ReleaseBuffers(); // closed and gone: no one reads or sends on it again
        }
        return finished;
    });

    /// <summary>
    /// Chooses a local TCP port for a connection to <paramref name="remote"/> (RFC 6056 §3.3.1: a random
    /// start, then the next port whose four-tuple is free).
    /// </summary>
    /// <exception cref="SocketException">No port is free for that peer.</exception>
    internal ushort AllocateTcpPort(Ipv4Address local, Ipv4Endpoint remote)
    {
        const int count = EphemeralPortLast - EphemeralPortFirst + 1;
        int offset = _random.Next(count);
        for (int i = 0; i < count; i++)
        {
            ushort port = (ushort)(EphemeralPortFirst + ((offset + i) % count));
            if (!IsTcpTupleTaken(new Ipv4Endpoint(local, port), remote, except: null) && !IsTcpListening(port))
            {
                return port;
            }
        }
        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    /// <summary>
    /// Chooses a port for a listener bound to port 0 (RFC 6056 §3.3.1: a random start, then the next
    /// port that no listener and no open connection uses locally).
    /// </summary>
    /// <exception cref="SocketException">Every ephemeral port is taken (<see cref="SocketError.AddressAlreadyInUse"/>).</exception>
    internal ushort AllocateTcpListenPort()
    {
        const int count = EphemeralPortLast - EphemeralPortFirst + 1;
        int offset = _random.Next(count);
        for (int i = 0; i < count; i++)
        {
            ushort port = (ushort)(EphemeralPortFirst + ((offset + i) % count));
            if (!IsTcpListening(port) && !Tcp.Exists(s => s.State != TcpState.Closed && s.LocalEndpoint.Port == port))
            {
                return port;
            }
        }
        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    /// <summary>True when another open TCP socket has the same four-tuple.</summary>
    internal bool IsTcpTupleTaken(Ipv4Endpoint local, Ipv4Endpoint remote, TcpSocket? except)
    {
        foreach (TcpSocket s in Tcp)
        {
            if (s != except && s.State != TcpState.Closed && s.LocalEndpoint.Port == local.Port && s.RemoteEndpoint == remote)
            {
                return true;
            }
        }
        return false;
    }

    private bool IsTcpListening(ushort port)
    {
        foreach (TcpListenSocket l in TcpListeners)
        {
            if (l.IsListening && l.LocalEndpoint.Port == port)
            {
                return true;
            }
        }
        return false;
    }

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
        foreach (UdpSocket s in Udp)
        {
            if (s != except && s.IsBound && s.LocalEndpoint.Port == local.Port
                && (s.LocalEndpoint.Address.IsUnspecified || local.Address.IsUnspecified || s.LocalEndpoint.Address == local.Address))
            {
                return true;
            }
        }
        return false;
    }
}
