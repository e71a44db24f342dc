using Usrnet.Storage;

namespace Usrnet.Sockets;

/// <summary>
/// The two bounded queues of a datagram socket (UDP, ICMP): datagrams received and waiting to be read,
/// and datagrams queued by the user and waiting to be sent.
/// </summary>
/// <remarks>Ownership: owns both <see cref="PacketQueue{T}"/>s; data is copied in and out.</remarks>
internal sealed class DatagramQueues(SocketBufferOptions buffers)
{
    private readonly PacketQueue<DatagramMetadata> _receive = new(buffers.ReceivePackets, buffers.ReceiveBytes);
    private readonly PacketQueue<DatagramMetadata> _send = new(buffers.SendPackets, buffers.SendBytes);

    public bool CanReceive => !_receive.IsEmpty;

    public bool HasPendingSend => !_send.IsEmpty;

    /// <summary>The largest datagram the send queue can ever hold.</summary>
    public int SendCapacity => _send.ByteCapacity;

    public bool TryEnqueueSend(DatagramMetadata metadata, ReadOnlySpan<byte> datagram) => _send.TryEnqueue(metadata, datagram);

    public bool TryEnqueueReceived(DatagramMetadata metadata, ReadOnlySpan<byte> datagram) => _receive.TryEnqueue(metadata, datagram);

    /// <summary>Copies the oldest received datagram into <paramref name="buffer"/>, cut to fit, and removes it.</summary>
    public bool TryReceive(Span<byte> buffer, out int length, out DatagramMetadata metadata)
    {
        if (!_receive.TryPeek(out metadata, out Span<byte> payload))
        {
            length = 0;
            return false;
        }
        payload[..Math.Min(payload.Length, buffer.Length)].CopyTo(buffer);
        length = payload.Length;
        _receive.TryDequeue();
        return true;
    }

    public bool TryPeekSend(out DatagramMetadata metadata, out Span<byte> payload) => _send.TryPeek(out metadata, out payload);

    public void DequeueSend() => _send.TryDequeue();

    public void Clear()
    {
        _receive.Clear();
        _send.Clear();
    }
}
