using System.Net.Sockets;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// A passive open (RFC 9293 §3.10.7.2) with a bounded queue of half-open connections (SYN-RECEIVED)
/// and a bounded accept queue of established ones. A SYN that finds both full is dropped and counted,
/// so no state grows without bound under a SYN flood.
/// </summary>
/// <remarks>
/// Ownership: connections belong to the listener until <see cref="TryAccept"/> hands them out;
/// disposing the listener aborts those still queued. Not thread-safe: use it on the poll thread.
/// </remarks>
public sealed class TcpListenSocket : IDisposable
{
    private readonly SocketSet _set;
    private readonly TcpSocketOptions _socketOptions;
    private readonly List<TcpSocket> _halfOpen = [];
    private readonly Queue<TcpSocket> _accepted = new();
    private bool _disposed;

    internal TcpListenSocket(SocketSet set, TcpSocketOptions socketOptions)
    {
        _set = set;
        _socketOptions = socketOptions;
    }

    /// <summary>The local endpoint listened on.</summary>
    public Ipv4Endpoint LocalEndpoint { get; private set; }

    /// <summary>True after <see cref="Listen"/>.</summary>
    public bool IsListening { get; private set; }

    /// <summary>Most established connections waiting for <see cref="TryAccept"/>.</summary>
    public int Backlog { get; private set; }

    /// <summary>Most connections in SYN-RECEIVED at once.</summary>
    public int MaxHalfOpen { get; private set; }

    /// <summary>Connections waiting to be accepted.</summary>
    public int PendingCount => _accepted.Count;

    /// <summary>Connections in SYN-RECEIVED.</summary>
    public int HalfOpenCount => _halfOpen.Count;

    /// <summary>True when <see cref="TryAccept"/> would return a connection.</summary>
    public bool CanAccept => _accepted.Count > 0;

    /// <summary>SYNs dropped because the queues were full.</summary>
    public long SynsDropped { get; private set; }

    /// <summary>Starts listening on <paramref name="port"/> of every local address (or one).</summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/> when another listener has the port.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Port 0, or a backlog below 1.</exception>
    public void Listen(ushort port, int backlog = 128, Ipv4Address? address = null, int? maxHalfOpen = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfZero(port);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 1);
        foreach (TcpListenSocket other in _set.TcpListeners)
        {
            if (other != this && other.IsListening && other.LocalEndpoint.Port == port)
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
        }
        LocalEndpoint = new Ipv4Endpoint(address ?? Ipv4Address.Any, port);
        Backlog = backlog;
        MaxHalfOpen = maxHalfOpen ?? Math.Max(backlog, 256);
        IsListening = true;
    }

    /// <summary>Takes the oldest established connection; the caller owns it from now on.</summary>
    public bool TryAccept(out TcpSocket socket)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (_accepted.TryDequeue(out TcpSocket? s))
        {
            s.Listener = null;
            if (s.State == TcpState.Closed && s.Error == SocketError.Success && s.BytesAvailable == 0)
            {
                continue; // reset before it was accepted: it left the set already
            }
            socket = s;
            return true;
        }
        socket = null!;
        return false;
    }

    /// <summary>Stops listening and resets the connections nobody accepted.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        IsListening = false;
        _set.TcpListeners.Remove(this);
        foreach (TcpSocket s in _halfOpen.Concat(_accepted).ToList())
        {
            s.Abort();
            s.Dispose();
        }
        _halfOpen.Clear();
        _accepted.Clear();
    }

    internal bool Accepts(Ipv4Address destination, ushort port) =>
        IsListening && LocalEndpoint.Port == port && (LocalEndpoint.Address.IsUnspecified || LocalEndpoint.Address == destination);

    /// <summary>A SYN for this listener: a new connection in SYN-RECEIVED, unless the queues are full.</summary>
    internal void ProcessSyn(Instant now, Ipv4Endpoint local, Ipv4Endpoint remote, in TcpHeader syn, int routeMss)
    {
        if (_halfOpen.Count >= MaxHalfOpen || _accepted.Count >= Backlog)
        {
            SynsDropped++;
            return;
        }
        TcpSocket socket = _set.CreateTcpSocket(_socketOptions);
        socket.Listener = this;
        socket.RouteMss = routeMss;
        _halfOpen.Add(socket);
        socket.AcceptSyn(now, local, remote, syn);
    }

    internal void OnEstablished(TcpSocket socket)
    {
        _halfOpen.Remove(socket);
        _accepted.Enqueue(socket);
    }

    internal void OnClosed(TcpSocket socket)
    {
        // A half-open connection that failed (reset, timed out) simply disappears; an accepted one that
        // closed before accept stays queued so its data and EOF are not lost.
        _halfOpen.Remove(socket);
    }
}
