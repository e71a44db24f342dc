using System.Net.Sockets;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Async;

/// <summary>One datagram received by a <see cref="UdpChannel"/>.</summary>
/// <param name="Length">Bytes written into the caller's buffer (a longer datagram was cut to fit, as <c>recvfrom</c> does).</param>
/// <param name="RemoteEndpoint">Who sent it.</param>
public readonly record struct ReceivedDatagram(int Length, Ipv4Endpoint RemoteEndpoint);

/// <summary>
/// A UDP socket of a <see cref="NetworkStack"/> (what <see cref="UdpClient"/> is for the kernel), bound to
/// a port on every address of the interface.
/// </summary>
/// <remarks>
/// One send and one receive may be pending at a time. A send completes once the datagram is queued (it
/// waits while the send queue is full); an ICMP error reported for earlier traffic (port unreachable →
/// <see cref="SocketError.ConnectionRefused"/>) fails the next receive once, as <c>SO_ERROR</c> does.
/// </remarks>
public sealed class UdpChannel : IStackWaiter, IAsyncDisposable, IDisposable
{
    private readonly NetworkStack _stack;
    private readonly UdpSocket _socket;
    private readonly StackOperation<ReceivedDatagram> _receive;
    private readonly StackOperation<int> _send;
    private Memory<byte> _receiveBuffer;
    private ReadOnlyMemory<byte> _sendDatagram;
    private Ipv4Endpoint _sendTo;
    private bool _disposed;

    internal UdpChannel(NetworkStack stack, UdpSocket socket)
    {
        socket.Token = this; // the socket signals each datagram, ICMP error and freed send slot
        _stack = stack;
        _socket = socket;
        _receive = new StackOperation<ReceivedDatagram>(stack);
        _send = new StackOperation<int>(stack);
        LocalEndpoint = socket.LocalEndpoint;
    }

    /// <summary>The bound port; the address is 0.0.0.0 (every address of the interface).</summary>
    public Ipv4Endpoint LocalEndpoint { get; }

    /// <summary>Sends <paramref name="datagram"/> to <paramref name="remote"/>; waits while the send queue is full.</summary>
    /// <exception cref="SocketException"><see cref="SocketError.MessageSize"/> when the datagram can never fit;
    /// <see cref="SocketError.InvalidArgument"/> when the remote port is 0 (a sender that expects no reply, RFC 768).</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, Ipv4Endpoint remote, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        ValueTask pending = default;
        lock (_stack.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_send.IsPending)
            {
                throw new InvalidOperationException("A send is already pending on this socket.");
            }
            if (!_socket.TrySendTo(datagram.Span, remote))
            {
                _sendDatagram = datagram;
                _sendTo = remote;
                _stack.AddWaiter(this);
                pending = _send.StartWithoutResult(cancellationToken);
            }
        }
        _stack.Wake();
        return pending;
    }

    /// <summary>Receives the next datagram into <paramref name="buffer"/>, waiting for one.</summary>
    /// <exception cref="SocketException">An ICMP error was reported for this socket's traffic (once).</exception>
    public ValueTask<ReceivedDatagram> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReceivedDatagram>(cancellationToken);
        }
        lock (_stack.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_receive.IsPending)
            {
                throw new InvalidOperationException("A receive is already pending on this socket.");
            }
            try
            {
                if (TryReceive(buffer.Span, out ReceivedDatagram received))
                {
                    return ValueTask.FromResult(received);
                }
            }
            catch (SocketException e)
            {
                return ValueTask.FromException<ReceivedDatagram>(e);
            }
            _receiveBuffer = buffer;
            _stack.AddWaiter(this);
            return _receive.Start(cancellationToken);
        }
    }

    /// <summary>Closes the socket; queued datagrams are discarded and pending operations fail.</summary>
    public void Dispose()
    {
        lock (_stack.Gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _socket.Dispose();
            ((IStackWaiter)this).Abort(new SocketException((int)SocketError.OperationAborted));
            _stack.RemoveWaiter(this);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override string ToString() => $"UDP {LocalEndpoint}";

    bool IStackWaiter.TryComplete(Instant now)
    {
        if (_receive.IsPending)
        {
            try
            {
                if (TryReceive(_receiveBuffer.Span, out ReceivedDatagram received))
                {
                    _receiveBuffer = default;
                    _receive.SetResult(received);
                }
            }
            catch (SocketException e)
            {
                _receiveBuffer = default;
                _receive.SetException(e);
            }
        }
        if (_send.IsPending)
        {
            try
            {
                if (_socket.TrySendTo(_sendDatagram.Span, _sendTo))
                {
                    _sendDatagram = default;
                    _send.SetResult(0);
                }
            }
            catch (SocketException e)
            {
                _sendDatagram = default;
                _send.SetException(e);
            }
        }
        return !_receive.IsPending && !_send.IsPending;
    }

    void IStackWaiter.Abort(Exception error)
    {
        _receiveBuffer = default;
        _receive.SetException(error);
        _sendDatagram = default;
        _send.SetException(error);
    }

    private bool TryReceive(Span<byte> buffer, out ReceivedDatagram received)
    {
        if (_socket.TryTakeError(out SocketError error))
        {
            throw new SocketException((int)error);
        }
        bool got = _socket.TryReceiveFrom(buffer, out int length, out Ipv4Endpoint remote);
        received = new ReceivedDatagram(Math.Min(length, buffer.Length), remote);
        return got;
    }
}
