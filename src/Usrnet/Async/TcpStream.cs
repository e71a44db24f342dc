using System.Buffers;
using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Async;

/// <summary>
/// A TCP connection of a <see cref="NetworkStack"/> as a <see cref="Stream"/>: what
/// <see cref="NetworkStream"/> is for a kernel socket.
/// </summary>
/// <remarks>
/// <para>One read and one write may be pending at a time (they may overlap each other). A read returns
/// what has arrived, at least one byte, or 0 at the end of the stream (the peer's FIN); a zero-byte read
/// waits until data is available without taking any. A write completes once all its bytes are in the
/// send buffer: when the buffer is full the writer waits (backpressure), so nothing buffers without bound.
/// <see cref="Flush"/> does nothing: data goes out as the congestion and receive windows allow, with
/// Nagle's algorithm unless <see cref="TcpSocketOptions.NoDelay"/> is set.</para>
/// <para>Errors are <see cref="SocketException"/>s with the standard <see cref="SocketError"/> (ConnectionReset,
/// TimedOut, Shutdown…), cancellation is <see cref="OperationCanceledException"/>; a cancelled write may
/// have queued part of its data.</para>
/// <para>Urgent data (RFC 9293 §3.8.5) is delivered inline: bytes a peer marks urgent come in sequence with
/// the rest, and nothing is sent as urgent (as a kernel socket with <c>SO_OOBINLINE</c>).</para>
/// <para><see cref="Dispose(bool)"/> closes gracefully (a FIN after the queued data; a reset when received data
/// was left unread, RFC 2525 §2.17) and returns at once; the stack finishes the close.</para>
/// </remarks>
public sealed class TcpStream : Stream, IStackWaiter
{
    private readonly NetworkStack _stack;
    private readonly TcpSocket _socket;
    private readonly StackOperation<int> _read;
    private readonly StackOperation<int> _write;
    private StackOperation<TcpStream>? _connect;
    private Memory<byte> _readBuffer;
    private ReadOnlyMemory<byte> _writeRemaining;
    private int _writeLength;
    private bool _disposed;

    internal TcpStream(NetworkStack stack, TcpSocket socket)
    {
        _stack = stack;
        _socket = socket;
        // However a read ends, the socket gives its buffer back (see TcpSocket.PostReceive).
        _read = new StackOperation<int>(stack, () => _socket.EndReceive());
        _write = new StackOperation<int>(stack);
        LocalEndpoint = socket.LocalEndpoint;
        RemoteEndpoint = socket.RemoteEndpoint;
        socket.Token = this; // the socket signals when data, room, its handshake or its end arrive
    }

    /// <summary>This end's address and port.</summary>
    public Ipv4Endpoint LocalEndpoint { get; }

    /// <summary>The peer's address and port.</summary>
    public Ipv4Endpoint RemoteEndpoint { get; }

    /// <summary>The connection's state now (RFC 9293 §3.3.2).</summary>
    public TcpState State
    {
        get
        {
            lock (_stack.Gate)
            {
                return _socket.State;
            }
        }
    }

    /// <summary>Counters and estimates of the connection (RTT, congestion window, retransmissions).</summary>
    public TcpStatistics Statistics
    {
        get
        {
            lock (_stack.Gate)
            {
                return _socket.Statistics;
            }
        }
    }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanWrite => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Reads what has arrived into <paramref name="buffer"/>: at least one byte, or 0 at the end of the
    /// stream. An empty buffer waits until data is available and returns 0 without taking any.
    /// </summary>
    /// <exception cref="SocketException">The connection was reset or timed out (after the data that arrived before it was read).</exception>
    /// <exception cref="InvalidOperationException">Another read is pending.</exception>
    /// <exception cref="ObjectDisposedException">The stream, or its stack, was disposed.</exception>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        int read;
        bool wake;
        lock (_stack.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stack.ThrowIfStopping(); // its connections are closing or closed: nothing more goes in or out
            if (_read.IsPending)
            {
                throw new InvalidOperationException("A read is already pending on this stream.");
            }
            bool idle = !_socket.NeedsDispatch;
            try
            {
                bool done = TryRead(buffer.Span, out read);
                wake = idle && _socket.NeedsDispatch;
                if (!done)
                {
                    _readBuffer = buffer;
                    _socket.PostReceive(buffer); // data arriving while we wait is copied straight into it
                    _stack.AddWaiter(this);
                    return _read.Start(cancellationToken);
                }
            }
            catch (SocketException e)
            {
                return ValueTask.FromException<int>(e);
            }
        }
        if (wake)
        {
            _stack.Wake(); // reading opened the receive window enough for a window update
        }
        return ValueTask.FromResult(read);
    }

    /// <summary>
    /// Queues all of <paramref name="buffer"/> for sending; completes once the send buffer has taken the
    /// last byte (waiting while it is full).
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.Shutdown"/> after <see cref="ShutdownWrite"/>, or the error that ended the connection.</exception>
    /// <exception cref="InvalidOperationException">Another write is pending.</exception>
    /// <exception cref="ObjectDisposedException">The stream, or its stack, was disposed.</exception>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        if (buffer.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }
        ValueTask pending;
        bool wake;
        lock (_stack.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stack.ThrowIfStopping(); // its connections are closing or closed: nothing more goes in or out
            if (_write.IsPending)
            {
                throw new InvalidOperationException("A write is already pending on this stream.");
            }
            bool idle = !_socket.NeedsDispatch;
            int sent;
            try
            {
                sent = _socket.Send(buffer.Span);
                wake = idle && _socket.NeedsDispatch;
            }
            catch (SocketException e)
            {
                return ValueTask.FromException(e);
            }
            if (sent == buffer.Length)
            {
                pending = default;
            }
            else
            {
                _writeRemaining = buffer[sent..];
                _writeLength = buffer.Length;
                _stack.AddWaiter(this);
                pending = _write.StartWithoutResult(cancellationToken);
            }
        }
        if (wake)
        {
            _stack.Wake(); // the loop segments and sends what was queued
        }
        return pending;
    }

    /// <summary>
    /// Closes the sending direction (RFC 9293 §3.10.4): a FIN follows the data already written; reading
    /// goes on until the peer closes. Call it after the last write has completed.
    /// </summary>
    public void ShutdownWrite()
    {
        lock (_stack.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _socket.Shutdown();
        }
        _stack.Wake();
    }

    /// <summary>Resets the connection (RFC 9293 §3.10.5 ABORT) and fails pending operations with <see cref="SocketError.ConnectionAborted"/>.</summary>
    public void Abort()
    {
        lock (_stack.Gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _socket.Abort();
            _socket.Dispose();
            FailPending(new SocketException((int)SocketError.ConnectionAborted));
            _stack.RemoveWaiter(this);
        }
        _stack.Wake();
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            int read = Read(rented, 0, buffer.Length);
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(rented);
            Write(rented, 0, buffer.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Does nothing: written data is already the stack's to send.</summary>
    public override void Flush()
    {
    }

    /// <summary>Does nothing: written data is already the stack's to send.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override string ToString() => $"TCP {LocalEndpoint} -> {RemoteEndpoint}";

    /// <summary>Starts waiting for the handshake of a connection just opened. Caller holds the gate.</summary>
    internal ValueTask<TcpStream> StartConnect(CancellationToken cancellationToken)
    {
        _connect = new StackOperation<TcpStream>(_stack);
        _stack.AddWaiter(this);
        return _connect.Start(cancellationToken);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_stack.Gate)
            {
                if (!_disposed)
                {
                    _disposed = true;
                    _socket.Dispose(); // graceful: FIN after queued data (or RST if data was left unread)
                    FailPending(new SocketException((int)SocketError.OperationAborted));
                    _stack.RemoveWaiter(this);
                }
            }
            _stack.Wake();
        }
        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    bool IStackWaiter.TryComplete(Instant now)
    {
        if (_connect is { IsPending: true } connect)
        {
            if (_socket.State is TcpState.Established or TcpState.CloseWait)
            {
                connect.SetResult(this);
            }
            else if (_socket.State == TcpState.Closed)
            {
                SocketError error = _socket.Error is SocketError.Success ? SocketError.ConnectionRefused : _socket.Error;
                connect.SetException(new SocketException((int)error));
            }
        }
        if (_read.IsPending)
        {
            try
            {
                if (_socket.ReceivedIntoPostedBuffer is > 0 and int direct)
                {
                    _readBuffer = default;
                    _read.SetResult(direct); // the data is in the reader's buffer already
                }
                else if (TryRead(_readBuffer.Span, out int read))
                {
                    _readBuffer = default;
                    _read.SetResult(read);
                }
            }
            catch (SocketException e)
            {
                _readBuffer = default;
                _read.SetException(e);
            }
        }
        if (_write.IsPending)
        {
            try
            {
                if (_socket.CanSend || !_socket.IsSendOpen)
                {
                    int sent = _socket.Send(_writeRemaining.Span); // throws once the connection cannot send
                    _writeRemaining = _writeRemaining[sent..];
                    if (_writeRemaining.IsEmpty)
                    {
                        _write.SetResult(_writeLength);
                    }
                }
            }
            catch (SocketException e)
            {
                _writeRemaining = default;
                _write.SetException(e);
            }
        }
        return !_read.IsPending && !_write.IsPending && _connect is not { IsPending: true };
    }

    void IStackWaiter.Abort(Exception error) => FailPending(error);

    /// <summary>Tries to complete a read now. False when it has to wait. Caller holds the gate.</summary>
    private bool TryRead(Span<byte> buffer, out int read)
    {
        read = 0;
        if (_socket.CanReceive)
        {
            if (buffer.IsEmpty)
            {
                return true; // a zero-byte read: data is there, none taken
            }
            read = _socket.Receive(buffer);
            return true;
        }
        if (_socket.Error != SocketError.Success)
        {
            throw new SocketException((int)_socket.Error); // reset, timed out: after the data that came before it
        }
        if (_socket.IsReceiveComplete)
        {
            return true; // end of stream
        }
        return false;
    }

    private void FailPending(Exception error)
    {
        _connect?.SetException(error);
        _readBuffer = default;
        _read.SetException(error);
        _writeRemaining = default;
        _write.SetException(error);
    }
}
