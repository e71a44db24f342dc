namespace Usrnet.Sockets.Tcp;

/// <summary>
/// Proportional rate reduction (RFC 6937 §3, with the slow-start reduction bound): how much may be sent on
/// each ACK during fast recovery, so that the data in flight falls smoothly from where it was to
/// ssthresh over one round trip instead of stopping (Reno's halving) or bursting (a window that grows
/// back at once), and rises back to ssthresh by slow start when losses took it below.
/// </summary>
internal sealed class ProportionalRateReduction
{
    private int _recoverFlightSize;   // RecoverFS: the pipe when recovery began
    private long _delivered;          // prr_delivered
    private long _sent;               // prr_out

    /// <summary>Starts a recovery episode with the pipe at <paramref name="pipe"/> bytes (RFC 6937 §3 initialisation).</summary>
    public void Start(int pipe)
    {
        _recoverFlightSize = Math.Max(1, pipe);
        _delivered = 0;
        _sent = 0;
    }

    /// <summary>Counts bytes sent during recovery, new or resent (prr_out).</summary>
    public void OnSent(int bytes) => _sent += bytes;

    /// <summary>
    /// RFC 6937 §3 on each ACK: <paramref name="deliveredBytes"/> newly delivered (cumulatively or by
    /// SACK) gives the bytes that may now be sent (sndcnt), from ssthresh and the current pipe.
    /// </summary>
    public int OnAck(int deliveredBytes, int pipe, int ssthresh, int mss)
    {
        _delivered += deliveredBytes;
        long sendCount;
        if (pipe > ssthresh)
        {
            // Proportional part: send ssthresh/RecoverFS of what was delivered, rounded up.
            sendCount = (_delivered * ssthresh + _recoverFlightSize - 1) / _recoverFlightSize - _sent;
        }
        else
        {
            // Slow-start reduction bound: grow back toward ssthresh, at most one MSS beyond what was delivered.
            long limit = Math.Max(_delivered - _sent, deliveredBytes) + mss;
            sendCount = Math.Min(ssthresh - pipe, limit);
        }
        sendCount = Math.Max(0, sendCount);
        if (_sent == 0)
        {
            sendCount = Math.Max(sendCount, mss); // the first ACK of recovery always lets the fast retransmit out (RFC 6675 §5 step 4.3)
        }
        return (int)Math.Min(sendCount, int.MaxValue);
    }
}
