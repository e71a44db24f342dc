using System.Net.Sockets;
using Usrnet.Wire;

namespace Usrnet.Sockets;

/// <summary>
/// A UDP socket (RFC 768): datagrams to and from any peer through one local port.
/// </summary>
/// <remarks>
/// Ownership: the socket owns its two <see cref="Storage.PacketQueue{T}"/>s; data is copied in by
/// <see cref="TrySendTo(ReadOnlySpan{byte}, Ipv4Endpoint)"/> and out by <see cref="TryReceiveFrom"/>. Not thread-safe: use it on the
/// thread that polls its interface.
/// </remarks>
public sealed class UdpSocket : IDisposable
{
    private readonly SocketSet _set;
    private readonly DatagramQueues _queues;
    private SocketError _pendingError;
    private bool _disposed;

    internal UdpSocket(SocketSet set, SocketBufferOptions buffers)
    {
        _set = set;
        _queues = new DatagramQueues(buffers);
    }

    /// <summary>The local address and port; port 0 while unbound.</summary>
    public Ipv4Endpoint LocalEndpoint { get; private set; }

    /// <summary>True once bound, explicitly or by the first send.</summary>
    public bool IsBound => LocalEndpoint.Port != 0;

    /// <summary>TTL of datagrams sent from now on (RFC 1122 §3.2.1.7; traceroute changes it per probe).</summary>
    public byte TimeToLive { get; set; } = Ipv4Header.DefaultTimeToLive;

    /// <summary>True when a datagram is waiting to be read.</summary>
    public bool CanReceive => _queues.CanReceive;

    /// <summary>True when a datagram is waiting to be sent.</summary>
    public bool HasPendingSend => _queues.HasPendingSend;

    /// <summary>
    /// An object of the owner's choosing, queued in <see cref="SocketSet.TryTakeReady"/>'s ready queue
    /// whenever a datagram or an ICMP error arrives for this socket. Null (the default) queues nothing.
    /// </summary>
    public object? Token { get; set; }

    /// <summary>Datagrams dropped because the receive queue was full.</summary>
    public long ReceiveQueueDrops { get; private set; }

    /// <summary>Binds to <paramref name="port"/> on every address of the interface; 0 picks an ephemeral port.</summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/> when another socket holds it.</exception>
    public void Bind(ushort port) => Bind(new Ipv4Endpoint(Ipv4Address.Any, port));

    /// <summary>Binds to a local endpoint; port 0 picks an ephemeral port (RFC 6056).</summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/> when another socket holds it, <see cref="SocketError.InvalidArgument"/> when already bound.</exception>
    public void Bind(Ipv4Endpoint local)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsBound)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        if (local.Port == 0)
        {
            local = local with { Port = _set.AllocateUdpPort(local.Address) };
        }
        else if (_set.IsUdpPortTaken(local, except: this))
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }
        LocalEndpoint = local;
        _set.BindUdp(this);
    }

    /// <summary>
    /// Queues one datagram for <paramref name="remote"/>; false when the send queue has no room now.
    /// An unbound socket is bound to an ephemeral port first, as a BSD socket is.
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.MessageSize"/> when the datagram can never fit;
    /// <see cref="SocketError.InvalidArgument"/> when the remote port is 0 (see <see cref="TryReceiveFrom"/>).</exception>
    public bool TrySendTo(ReadOnlySpan<byte> datagram, Ipv4Endpoint remote) => Enqueue(datagram, remote, source: null);

    /// <summary>
    /// Queues one datagram for <paramref name="remote"/> with <paramref name="source"/> as its IPv4 source
    /// address, written as given, as Linux's <c>IP_PKTINFO</c> lets <c>sendmsg</c> choose it. The case it
    /// exists for is 0.0.0.0: a host without an address yet, such as a DHCP client before its lease (RFC 2131
    /// §4.1: "the source address field in the IP header set to 0"), whatever the interface's address is at
    /// the time. False when the send queue has no room now.
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.MessageSize"/> when the datagram can never fit;
    /// <see cref="SocketError.InvalidArgument"/> when the remote port is 0.</exception>
    /// <exception cref="ArgumentException">The source is broadcast or multicast.</exception>
    public bool TrySendTo(ReadOnlySpan<byte> datagram, Ipv4Endpoint remote, Ipv4Address source)
    {
        if (source.IsBroadcast || source.IsMulticast)
        {
            throw new ArgumentException($"{source} cannot be a source address (RFC 1122 §3.2.1.3)", nameof(source));
        }
        return Enqueue(datagram, remote, source);
    }

    private bool Enqueue(ReadOnlySpan<byte> datagram, Ipv4Endpoint remote, Ipv4Address? source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (remote.Port == 0)
        {
            // Port 0 names no process (RFC 768: a source port of zero means "no reply expected"); Linux's
            // udp_sendmsg refuses it with EINVAL, which a .NET Socket reports as this SocketException.
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        if (datagram.Length > UdpHeader.MaxPayloadLength || datagram.Length > _queues.SendCapacity)
        {
            throw new SocketException((int)SocketError.MessageSize);
        }
        if (!IsBound)
        {
            Bind(0);
        }
        return _queues.TryEnqueueSend(new DatagramMetadata(remote, TimeToLive, source), datagram);
    }

    /// <summary>
    /// Reads the oldest datagram into <paramref name="buffer"/>; false when none is waiting. A datagram
    /// longer than the buffer is cut to fit and the rest discarded, as <c>recvfrom</c> does;
    /// <paramref name="datagramLength"/> tells its full length.
    /// </summary>
    /// <remarks>
    /// <paramref name="remote"/> may have port 0: RFC 768 makes the source port optional ("If not used, a
    /// value of zero is inserted"), and such a datagram is delivered, as Linux delivers it. It cannot be
    /// answered: a server replying to whatever it receives must skip port 0, since sending to it throws.
    /// </remarks>
    public bool TryReceiveFrom(Span<byte> buffer, out int datagramLength, out Ipv4Endpoint remote)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool received = _queues.TryReceive(buffer, out datagramLength, out DatagramMetadata meta);
        remote = meta.Remote;
        return received;
    }

    /// <summary>
    /// Takes the error an ICMP message reported for this socket's traffic, if any (SO_ERROR semantics:
    /// reported once): <see cref="SocketError.ConnectionRefused"/> for port unreachable,
    /// <see cref="SocketError.HostUnreachable"/> or <see cref="SocketError.NetworkUnreachable"/> otherwise.
    /// </summary>
    public bool TryTakeError(out SocketError error)
    {
        error = _pendingError;
        _pendingError = SocketError.Success;
        return error != SocketError.Success;
    }

    /// <summary>Leaves the socket set; queued datagrams are discarded.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _set.RemoveUdp(this);
            _queues.Clear();
        }
    }

    internal bool Accepts(Ipv4Address destination, ushort destinationPort) =>
        IsBound && LocalEndpoint.Port == destinationPort && (LocalEndpoint.Address.IsUnspecified || LocalEndpoint.Address == destination);

    internal bool Deliver(Ipv4Endpoint source, byte timeToLive, ReadOnlySpan<byte> payload)
    {
        if (_queues.TryEnqueueReceived(new DatagramMetadata(source, timeToLive), payload))
        {
            Signal();
            return true;
        }
        ReceiveQueueDrops++;
        return false;
    }

    internal void ReportError(SocketError error)
    {
        _pendingError = error;
        Signal();
    }

    private void Signal()
    {
        if (Token is { } token)
        {
            _set.Ready.Enqueue(token);
        }
    }

    internal bool TryPeekOutgoing(out DatagramMetadata metadata, out Span<byte> payload) => _queues.TryPeekSend(out metadata, out payload);

    internal void DequeueOutgoing()
    {
        _queues.DequeueSend();
        Signal(); // room for a sender that waits
    }
}
