using System.Net.Sockets;
using Usrnet.Storage;

namespace Usrnet.Sockets;

/// <summary>
/// What raw sockets share: a queue of whole packets in, a queue of whole packets out. The interface
/// gives raw sockets copies; it still processes every packet itself, as Linux does.
/// </summary>
/// <remarks>Ownership and threading as <see cref="UdpSocket"/>.</remarks>
public abstract class RawSocket : IDisposable
{
    private readonly PacketQueue<byte> _receiveQueue;
    private readonly PacketQueue<byte> _sendQueue;
    private bool _disposed;

    private protected RawSocket(SocketBufferOptions buffers)
    {
        _receiveQueue = new PacketQueue<byte>(buffers.ReceivePackets, buffers.ReceiveBytes);
        _sendQueue = new PacketQueue<byte>(buffers.SendPackets, buffers.SendBytes);
    }

    /// <summary>True when a packet is waiting to be read.</summary>
    public bool CanReceive => !_receiveQueue.IsEmpty;

    /// <summary>Packets dropped because the receive queue was full.</summary>
    public long ReceiveQueueDrops { get; private set; }

    /// <summary>Smallest packet <see cref="TrySend"/> accepts.</summary>
    private protected abstract int MinimumLength { get; }

    /// <summary>Queues a whole packet; false when the send queue has no room now.</summary>
    /// <exception cref="ArgumentException">The packet is too short to be one.</exception>
    /// <exception cref="SocketException"><see cref="SocketError.MessageSize"/> when it can never fit.</exception>
    public bool TrySend(ReadOnlySpan<byte> packet)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (packet.Length < MinimumLength)
        {
            throw new ArgumentException($"a packet is at least {MinimumLength} bytes", nameof(packet));
        }
        if (packet.Length > _sendQueue.ByteCapacity)
        {
            throw new SocketException((int)SocketError.MessageSize);
        }
        return _sendQueue.TryEnqueue(0, packet);
    }

    /// <summary>Reads the oldest packet into <paramref name="buffer"/>, cut to fit; <paramref name="packetLength"/> is its full length.</summary>
    public bool TryReceive(Span<byte> buffer, out int packetLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_receiveQueue.TryPeek(out _, out Span<byte> payload))
        {
            packetLength = 0;
            return false;
        }
        payload[..Math.Min(payload.Length, buffer.Length)].CopyTo(buffer);
        packetLength = payload.Length;
        _receiveQueue.TryDequeue();
        return true;
    }

    /// <summary>Leaves the socket set.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Leave();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Removes the socket from its set.</summary>
    private protected abstract void Leave();

    internal void Deliver(ReadOnlySpan<byte> packet)
    {
        if (!_receiveQueue.TryEnqueue(0, packet))
        {
            ReceiveQueueDrops++;
        }
    }

    internal bool TryPeekOutgoing(out Span<byte> packet) => _sendQueue.TryPeek(out _, out packet);

    internal void DequeueOutgoing() => _sendQueue.TryDequeue();
}
