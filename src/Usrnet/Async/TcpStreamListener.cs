using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Async;

/// <summary>
/// A listening TCP port of a <see cref="NetworkStack"/> (what <see cref="System.Net.Sockets.TcpListener"/> is
/// for the kernel): connections complete their handshake in the stack and wait, up to the backlog, for
/// <see cref="AcceptAsync"/>.
/// </summary>
public sealed class TcpStreamListener : IStackWaiter, IAsyncDisposable, IDisposable
{
    private readonly NetworkStack _stack;
    private readonly TcpListenSocket _socket;
    private readonly StackOperation<TcpStream> _accept;
    private bool _disposed;

    internal TcpStreamListener(NetworkStack stack, TcpListenSocket socket)
    {
        _stack = stack;
        _socket = socket;
        _accept = new StackOperation<TcpStream>(stack);
        LocalEndpoint = socket.LocalEndpoint;
        socket.Token = this; // the listener signals when a connection joins its accept queue
    }

    /// <summary>The port listened on; the address is 0.0.0.0, meaning every address of the interface.</summary>
    public Ipv4Endpoint LocalEndpoint { get; }

    /// <summary>
    /// Takes the oldest established connection, waiting for one if none is queued. One accept may be
    /// pending at a time.
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.OperationAborted"/> when the listener is disposed while waiting.</exception>
    public ValueTask<TcpStream> AcceptAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TcpStream>(cancellationToken);
        }
        lock (_stack.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_accept.IsPending)
            {
                throw new InvalidOperationException("An accept is already pending on this listener.");
            }
            if (_socket.TryAccept(out TcpSocket socket))
            {
                return ValueTask.FromResult(new TcpStream(_stack, socket));
            }
            _stack.AddWaiter(this);
            return _accept.Start(cancellationToken);
        }
    }

    /// <summary>Stops listening; connections not yet accepted are reset, a pending accept fails.</summary>
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
            _accept.SetException(new SocketException((int)SocketError.OperationAborted));
            _stack.RemoveWaiter(this);
        }
        _stack.Wake();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override string ToString() => $"TCP listener {LocalEndpoint}";

    bool IStackWaiter.TryComplete(Instant now)
    {
        if (_accept.IsPending && _socket.TryAccept(out TcpSocket socket))
        {
            _accept.SetResult(new TcpStream(_stack, socket));
        }
        return !_accept.IsPending;
    }

    void IStackWaiter.Abort(Exception error) => _accept.SetException(error);
}
