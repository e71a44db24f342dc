using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Usrnet.Async;

namespace Usrnet.AspNetCore.Internal;

/// <summary>
/// One endpoint Kestrel bound: accepts the stack's TCP connections and starts a
/// <see cref="UsrnetConnection"/> for each.
/// </summary>
/// <remarks>Ownership: the listener owns the stack's <see cref="TcpStreamListener"/>; each connection it returns owns its stream.</remarks>
internal sealed class UsrnetConnectionListener : IConnectionListener
{
    private readonly TcpStreamListener _listener;
    private readonly UsrnetTransportOptions _options;
    private readonly ILogger _logger;

    public UsrnetConnectionListener(TcpStreamListener listener, IPEndPoint endPoint, UsrnetTransportOptions options, ILogger logger)
    {
        _listener = listener;
        EndPoint = endPoint;
        _options = options;
        _logger = logger;
    }

    /// <inheritdoc/>
    public EndPoint EndPoint { get; }

    /// <summary>
    /// The next connection, started; null once the listener is unbound or the stack is stopping (which
    /// ends Kestrel's accept loop).
    /// </summary>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        TcpStream stream;
        try
        {
            stream = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return null; // unbound, or the stack was disposed
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
        {
            return null; // unbound (or the stack stopped) while waiting
        }
        UsrnetConnection connection = new(stream, _options, _logger);
        connection.Start();
        return connection;
    }

    /// <summary>Stops listening: connections not yet accepted are reset, a pending accept returns null.</summary>
    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override string ToString() => $"usrnet listener {EndPoint}";
}
