using System.Net.Sockets;
using Usrnet.Wire;

namespace Usrnet.Sockets;

/// <summary>
/// An ICMPv4 socket: sends ICMP messages the caller builds (header and data, checksum filled by
/// <see cref="IcmpV4Message.WriteTo"/>) and receives the messages its <see cref="IcmpBinding"/> selects.
/// </summary>
/// <remarks>Ownership and threading as <see cref="UdpSocket"/>.</remarks>
public sealed class IcmpSocket : IDisposable
{
    private readonly SocketSet _set;
    private readonly DatagramQueues _queues;
    private bool _disposed;

    internal IcmpSocket(SocketSet set, SocketBufferOptions buffers)
    {
        _set = set;
        _queues = new DatagramQueues(buffers);
    }

    /// <summary>The binding; <see cref="IcmpBindingKind.None"/> until <see cref="Bind"/>.</summary>
    public IcmpBinding Binding { get; private set; }

    /// <summary>TTL of messages sent from now on.</summary>
    public byte TimeToLive { get; set; } = Ipv4Header.DefaultTimeToLive;

    /// <summary>True when a message is waiting to be read.</summary>
    public bool CanReceive => _queues.CanReceive;

    /// <summary>Chooses what the socket receives.</summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/> when another ICMP socket has the same binding.</exception>
    public void Bind(IcmpBinding binding)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (binding.Kind == IcmpBindingKind.None)
        {
            throw new ArgumentException("bind to an identifier or a UDP port", nameof(binding));
        }
        foreach (IcmpSocket other in _set.Icmp)
        {
            if (other != this && other.Binding == binding)
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
        }
        Binding = binding;
    }

    /// <summary>Queues a whole ICMP message for <paramref name="destination"/>; false when the send queue has no room now.</summary>
    /// <exception cref="ArgumentException">The message is shorter than an ICMP header.</exception>
    /// <exception cref="SocketException"><see cref="SocketError.MessageSize"/> when it can never fit.</exception>
    public bool TrySendTo(ReadOnlySpan<byte> message, Ipv4Address destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (message.Length < IcmpV4Message.HeaderLength)
        {
            throw new ArgumentException("an ICMP message is at least 8 bytes", nameof(message));
        }
        if (message.Length > Ipv4Packet.MaxLength - Ipv4Packet.MinHeaderLength || message.Length > _queues.SendCapacity)
        {
            throw new SocketException((int)SocketError.MessageSize);
        }
        return _queues.TryEnqueueSend(new DatagramMetadata(new Ipv4Endpoint(destination, 0), TimeToLive), message);
    }

    /// <summary>
    /// Reads the oldest message (ICMP header and data) into <paramref name="buffer"/>, cut to fit;
    /// <paramref name="timeToLive"/> is the TTL of the IPv4 packet that carried it.
    /// </summary>
    public bool TryReceiveFrom(Span<byte> buffer, out int messageLength, out Ipv4Address source, out byte timeToLive)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool received = _queues.TryReceive(buffer, out messageLength, out DatagramMetadata meta);
        source = meta.Remote.Address;
        timeToLive = meta.TimeToLive;
        return received;
    }

    /// <summary>Leaves the socket set.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _set.Icmp.Remove(this);
            _queues.Clear();
        }
    }

    internal bool Deliver(Ipv4Address source, byte timeToLive, ReadOnlySpan<byte> message) =>
        _queues.TryEnqueueReceived(new DatagramMetadata(new Ipv4Endpoint(source, 0), timeToLive), message);

    internal bool TryPeekOutgoing(out DatagramMetadata metadata, out Span<byte> message) => _queues.TryPeekSend(out metadata, out message);

    internal void DequeueOutgoing() => _queues.DequeueSend();
}
