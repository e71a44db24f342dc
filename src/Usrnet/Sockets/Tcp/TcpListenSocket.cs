using System.Net.Sockets;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// A passive open (RFC 9293 §3.10.7.2) with a bounded queue of half-open connections (SYN-RECEIVED)
/// and a bounded accept queue of established ones. When the half-open queue is full (a SYN flood),
/// SYNs are answered with SYN cookies (RFC 4987 §3.6) that keep no state, so legitimate clients still
/// connect; when the accept queue is full, SYNs are dropped and counted. No state grows without bound.
/// </summary>
/// <remarks>
/// Ownership: connections belong to the listener until <see cref="TryAccept"/> hands them out;
/// disposing the listener aborts those still queued. Not thread-safe: use it on the poll thread.
/// </remarks>
public sealed class TcpListenSocket : IDisposable
{
    private readonly TcpSocketTable _table;
    private readonly TcpSocketOptions _socketOptions;
    private readonly HashSet<TcpSocket> _halfOpen = [];
    private readonly Queue<TcpSocket> _accepted = new();
    private bool _disposed;

    internal TcpListenSocket(TcpSocketTable table, TcpSocketOptions socketOptions)
    {
        _table = table;
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

    /// <summary>SYNs dropped because the accept queue was full.</summary>
    public long SynsDropped { get; private set; }

    /// <summary>
    /// Handshakes completed by a valid cookie while the accept queue was full: the ACK is dropped, not
    /// answered with a reset, so the client sends it again and gets in once the application accepts
    /// (Linux's ListenOverflows, with tcp_abort_on_overflow off).
    /// </summary>
    public long ListenOverflows { get; private set; }

    /// <summary>SYN-ACKs sent with a cookie because the half-open queue was full.</summary>
    public long SynCookiesSent { get; private set; }

    /// <summary>Connections opened by a valid returned cookie.</summary>
    public long SynCookiesAccepted { get; private set; }

    /// <summary>
    /// An object of the owner's choosing, queued in <see cref="SocketSet.TryTakeReady"/>'s ready queue
    /// whenever a connection joins the accept queue. Null (the default) queues nothing.
    /// </summary>
    public object? Token { get; set; }

    /// <summary>Send SYN cookies when the half-open queue is full (on by default, like Linux's tcp_syncookies=1).</summary>
    public bool UseSynCookies { get; set; } = true;

    /// <summary>
    /// Starts listening on <paramref name="port"/> of every local address (or one); port 0 picks a free
    /// ephemeral port, as a BSD <c>listen</c> on an unbound socket does (RFC 6056 §3.3.1), and
    /// <see cref="LocalEndpoint"/> says which.
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/> when another listener has the port (or no ephemeral port is free).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A backlog below 1.</exception>
    public void Listen(ushort port, int backlog = 128, Ipv4Address? address = null, int? maxHalfOpen = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 1);
        if (IsListening)
        {
            _table.UnbindListener(this); // listening again: possibly on another port
            IsListening = false;
        }
        if (port == 0)
        {
            port = _table.AllocateListenPort();
        }
        _table.BindListener(this, port);
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
        _table.RemoveListener(this);
        IsListening = false;
        foreach (TcpSocket s in _halfOpen.Concat(_accepted).ToList())
        {
            s.Abort();
            s.Dispose();
        }
        _halfOpen.Clear();
        _accepted.Clear();
    }

    /// <summary>True when a SYN now would be answered with a cookie: the half-open queue is full and cookies are on.</summary>
    internal bool AnswersWithCookies => UseSynCookies && _halfOpen.Count >= MaxHalfOpen && _accepted.Count < Backlog;

    internal bool Accepts(Ipv4Address destination, ushort port) =>
        IsListening && LocalEndpoint.Port == port && (LocalEndpoint.Address.IsUnspecified || LocalEndpoint.Address == destination);

    /// <summary>
    /// A SYN for this listener: a new connection in SYN-RECEIVED; or, when the half-open queue is full,
    /// a stateless SYN-ACK carrying a cookie, returned for the interface to send.
    /// </summary>
    internal TcpHeader? ProcessSyn(Instant now, Ipv4Endpoint local, Ipv4Endpoint remote, in TcpHeader syn)
    {
        int routeMss = _table.RouteMss;
        if (_accepted.Count >= Backlog)
        {
            SynsDropped++;
            return null;
        }
        if (_halfOpen.Count >= MaxHalfOpen)
        {
            if (!UseSynCookies)
            {
                SynsDropped++;
                return null;
            }
            int peerMss = syn.Options.MaximumSegmentSize is ushort m && m > 0 ? m : TcpSocket.DefaultMss;
            TcpSeqNumber cookie = _table.SynCookies.Create(now, local, remote, syn.SequenceNumber, Math.Min(peerMss, routeMss));
            SynCookiesSent++;
            ushort window = (ushort)Math.Min(_socketOptions.ReceiveBufferSize, ushort.MaxValue);
            return new TcpHeader(local.Port, remote.Port, cookie, syn.SequenceNumber + 1, TcpFlags.Syn | TcpFlags.Ack, window)
            {
                Options = CookieSynAckOptions(now, syn.Options, cookie, routeMss),
            };
        }
        TcpSocket socket = _table.Create(_socketOptions);
        socket.Listener = this;
        _halfOpen.Add(socket);
        socket.AcceptSyn(now, local, remote, syn);
        return null;
    }

    /// <summary>
    /// The options of a SYN-ACK that carries a cookie: our MSS; and when the SYN has timestamps, ours with
    /// the SYN's window scale and SACK-permitted in the TSval's low bits (<see cref="TcpSynCookies.EncodeOptions"/>),
    /// and our own window scale and SACK-permitted as a SYN-RECEIVED connection would offer them.
    /// </summary>
    private TcpOptions CookieSynAckOptions(Instant now, in TcpOptions syn, TcpSeqNumber cookie, int routeMss)
    {
        TcpOptions options = new() { MaximumSegmentSize = (ushort)Math.Min(routeMss, ushort.MaxValue) };
        if (!_socketOptions.Timestamps || syn.Timestamps is not { } peerTimestamps)
        {
            return options;
        }
        byte? scale = _socketOptions.WindowScaling ? syn.WindowScale : null;
        bool sack = _socketOptions.SelectiveAcknowledgments && syn.SackPermitted;
        uint value = TcpSynCookies.EncodeOptions(TcpSocket.TimestampClock(now, cookie.Value), scale, sack);
        return options with
        {
            WindowScale = scale is null ? null : (byte)TcpSocket.WindowShiftFor(_socketOptions.ReceiveBufferSize),
            SackPermitted = sack,
            Timestamps = (value, peerTimestamps.Value),
        };
    }

    /// <summary>
    /// An ACK for this listener's port that no connection claims: if it returns a valid SYN cookie, the
    /// connection it completes, established and queued for accept (the caller then processes the
    /// segment on it); otherwise null.
    /// </summary>
    /// <remarks>
    /// <paramref name="overflow"/> is true for a valid cookie that found the accept queue full: the caller
    /// drops the segment silently (see <see cref="ListenOverflows"/>) instead of resetting a client that
    /// did nothing wrong.
    /// </remarks>
    internal TcpSocket? TryCompleteCookie(Instant now, Ipv4Endpoint local, Ipv4Endpoint remote, in TcpHeader ack, out bool overflow)
    {
        overflow = false;
        if (!UseSynCookies
            || !_table.SynCookies.TryValidate(now, local, remote, ack.AcknowledgmentNumber - 1, ack.SequenceNumber - 1, out int mss))
        {
            return null;
        }
        if (_accepted.Count >= Backlog)
        {
            ListenOverflows++;
            overflow = true;
            return null;
        }
        byte? scale = null;
        bool sack = false;
        if (_socketOptions.Timestamps && ack.Options.Timestamps is { } ts)
        {
            TcpSynCookies.DecodeOptions(ts.EchoReply, out scale, out sack);
        }
        TcpSocket socket = _table.Create(_socketOptions);
        socket.Listener = this;
        socket.AcceptCookie(now, local, remote, ack, mss, scale, sack);
        SynCookiesAccepted++;
        _accepted.Enqueue(socket);
        _table.Signal(this);
        return socket;
    }

    internal void OnEstablished(TcpSocket socket)
    {
        _halfOpen.Remove(socket);
        _accepted.Enqueue(socket);
        _table.Signal(this);
    }

    internal void OnClosed(TcpSocket socket)
    {
        // A half-open connection that failed (reset, timed out) simply disappears; an accepted one that
        // closed before accept stays queued so its data and EOF are not lost.
        _halfOpen.Remove(socket);
    }
}
