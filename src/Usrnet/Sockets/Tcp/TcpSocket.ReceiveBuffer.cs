using Usrnet.Storage;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// Receive-buffer autotuning, Linux's dynamic right-sizing (tcp_rcv_space_adjust): a connection starts
/// with a receive buffer of <see cref="InitialReceiveBuffer"/> and raises it toward
/// <see cref="TcpSocketOptions.ReceiveBufferSize"/> while the peer fills it within a round trip and the
/// application keeps reading.
/// </summary>
/// <remarks>
/// Both rings hold memory only while they hold data, and give it back <see cref="BufferIdleTime"/>
/// after they emptied. The window advertised is always the free space of the receive ring (<see cref="RingBuffer.Free"/>),
/// which the ring guarantees it can take: its storage grows on arrival. The buffer only ever grows
/// within a connection, so the right edge of the window never moves left (RFC 9293 §3.8.6, SHLD-14:
/// a receiver should not shrink the window); the window scale is chosen from the maximum at SYN time
/// (RFC 7323 §2.2), so the grown buffer can still be advertised.
/// </remarks>
public sealed partial class TcpSocket
{
    /// <summary>
    /// The receive buffer a connection starts with: 64 KiB. A SYN's window is never scaled (RFC 7323
    /// §2.2), so 65,535 bytes is the most a first window can offer anyway; it is also what Linux's
    /// default tcp_rmem[1] (128 KiB, half of it counted as overhead) advertises. Enough for 10 Gbit/s at
    /// 50 µs, and an idle connection holds no memory for it (the ring's storage grows with use).
    /// </summary>
    internal const int InitialReceiveBuffer = 64 * 1024;

    /// <summary>
    /// Bytes per round trip the first measurement is compared with: 10 segments, RFC 6928's initial
    /// window (Linux's TCP_INIT_CWND in tcp_init_buffer_space): a peer in its first round sends no more.
    /// </summary>
    private const int InitialReceiveSpaceSegments = 10;

    /// <summary>Segments added to twice the per-RTT rate, for small variations (Linux's 16 × advmss).</summary>
    private const int ReceiveBufferCushionSegments = 16;

    private int _rcvSpace;             // bytes the application took in the last measured round trip (Linux rcvq_space.space)
    private TcpSeqNumber _rcvSpaceSeq; // where the application had read to when that round began
    private Instant? _rcvSpaceTime;    // when it began; null before the first data
    private TimeSpan _rcvRtt;          // the receiver's RTT estimate (Linux rcv_rtt_est): the least sample, Zero before one
    private TcpSeqNumber _rcvRttSeq;   // the right edge of the window when the sample began
    private Instant? _rcvRttTime;

    /// <summary>The receive buffer a connection of <paramref name="options"/> starts with.</summary>
    private static int InitialReceiveBufferFor(TcpSocketOptions options) => Math.Min(options.ReceiveBufferSize, InitialReceiveBuffer);

    /// <summary>The sequence number the application has read up to (Linux's copied_seq).</summary>
    private TcpSeqNumber CopiedSeq => _rcvNxt - _rx.Length;

    /// <summary>A new connection starts with the initial receive buffer and no measurement.</summary>
    private void ResetReceiveBuffer()
    {
        _rx.Reset(InitialReceiveBufferFor(_options));
        _rcvSpace = 0;
        _rcvSpaceTime = null;
        _rcvRtt = TimeSpan.Zero;
        _rcvRttTime = null;
    }

    /// <summary>
    /// After in-order data arrived: measures the receiver's RTT and, once a round trip has passed, how
    /// much the application read in it; when that grew, raises the receive buffer (tcp_rcv_space_adjust).
    /// </summary>
    private void AdjustReceiveBuffer(Instant now)
    {
        MeasureReceiveRtt(now);
        if (_rcvSpaceTime is not { } start)
        {
            _rcvSpace = Math.Min(InitialReceiveSpaceSegments * _sndMss, _rx.Capacity);
            _rcvSpaceSeq = CopiedSeq;
            _rcvSpaceTime = now;
            return;
        }
        TimeSpan rtt = ReceiveRtt();
        if (rtt <= TimeSpan.Zero || now - start < rtt)
        {
            return;
        }
        int copied = CopiedSeq - _rcvSpaceSeq;
        if (copied > _rcvSpace)
        {
            _rx.GrowCapacity(ReceiveBufferFor(copied, _rcvSpace));
            _rcvSpace = copied;
        }
        _rcvSpaceSeq = CopiedSeq;
        _rcvSpaceTime = now;
    }

    /// <summary>
    /// Linux's sizing: twice what the application read in the last round trip (to ride out a loss) plus
    /// a cushion, plus twice the growth over the round before (a sender in slow start doubles each round,
    /// and the window advertised now is used a round later); at most the configured buffer.
    /// </summary>
    private int ReceiveBufferFor(int copied, int previous)
    {
        long window = 2L * copied + (long)ReceiveBufferCushionSegments * _sndMss;
        long grow = window * (copied - previous) / Math.Max(1, previous);
        long advertisable = (long)ushort.MaxValue << _rcvWndShift; // no use holding more than the window field can offer
        return (int)Math.Min(window + 2 * grow, Math.Min(_options.ReceiveBufferSize, advertisable));
    }

    /// <summary>
    /// The receiver's RTT without timestamps (Linux's tcp_rcv_rtt_measure): the time from one window's
    /// right edge being offered to data reaching it, the least such sample; the sender's own least RTT
    /// sample when it has a smaller one (an ACK of data we sent is an RTT measured exactly).
    /// </summary>
    private void MeasureReceiveRtt(Instant now)
    {
        if (_rcvRttTime is { } started)
        {
            if (_rcvNxt < _rcvRttSeq)
            {
                return;
            }
            TimeSpan sample = now - started;
            sample = sample > TimeSpan.Zero ? sample : s_clockTick;
            _rcvRtt = _rcvRtt == TimeSpan.Zero || sample < _rcvRtt ? sample : _rcvRtt;
        }
        _rcvRttSeq = _rcvAdvertisedRight;
        _rcvRttTime = now;
    }

    /// <summary>The receiver's RTT estimate, at least one clock tick; Zero while there is none.</summary>
    private TimeSpan ReceiveRtt()
    {
        if (!_rtt.HasSample)
        {
            return _rcvRtt;
        }
        TimeSpan sent = _rtt.Minimum > s_clockTick ? _rtt.Minimum : s_clockTick;
        return _rcvRtt == TimeSpan.Zero || sent < _rcvRtt ? sent : _rcvRtt;
    }

    /// <summary>
    /// How long a ring stays empty, with no segment for the connection, before its array goes back to the
    /// pool: 100 ms. Between two fills of a bulk transfer there are microseconds, so it keeps its
    /// array (giving it back and renting it again each fill, cleared each time, cost the in-process
    /// benchmark 13 % with offloads on); a connection that goes quiet holds nothing a tenth of a second later.
    /// </summary>
    internal static readonly TimeSpan BufferIdleTime = TimeSpan.FromMilliseconds(100);

    /// <summary>When the empty rings' arrays go back (<see cref="BufferIdleTime"/> after the last segment); null while none is held empty.</summary>
    private Instant? IdleBufferDeadline =>
        (_tx.StorageLength > 0 && !_tx.HoldsData) || (_rx.StorageLength > 0 && !_rx.HoldsData) ? _lastActivity + BufferIdleTime : null;

    /// <summary>Gives the rings' arrays back once they have stayed empty for <see cref="BufferIdleTime"/>.</summary>
    private void GiveBackIdleBuffers(Instant now)
    {
        if (IdleBufferDeadline is { } due && now >= due)
        {
            _tx.Trim();
            _rx.Trim();
        }
    }

    /// <summary>The clock's resolution: a sample that took no measurable time counts as this (Linux counts 1 µs).</summary>
    private static readonly TimeSpan s_clockTick = TimeSpan.FromMicroseconds(1);
}
