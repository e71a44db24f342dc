namespace Usrnet.Sockets.Tcp;

/// <summary>
/// The congestion window of one connection (RFC 5681 §3.1): how many bytes may be in flight. The socket
/// detects loss (timeouts, duplicate acknowledgments) and runs recovery; the controller decides by
/// how much the window grows and shrinks.
/// </summary>
internal abstract class CongestionController
{
    /// <summary>RFC 6928 §2: the segment size its byte bound is written in (14600 = 10 × 1460).</summary>
    private const int InitialWindowReferenceMss = 1460;

    protected CongestionController(int mss, int initialWindowSegments)
    {
        Mss = mss;
        Window = InitialWindow(mss, initialWindowSegments);
        SlowStartThreshold = int.MaxValue; // RFC 5681 §3.1: "arbitrarily high"
    }

    /// <summary>
    /// RFC 6928 §2: IW = min(10·MSS, max(2·MSS, 14600)) for 10 segments, generalised to
    /// <paramref name="segments"/>.
    /// </summary>
    public static int InitialWindow(int mss, int segments) =>
        Math.Min(segments * mss, Math.Max(2 * mss, segments * InitialWindowReferenceMss));

    /// <summary>Sender maximum segment size.</summary>
    public int Mss { get; private set; }

    /// <summary>cwnd, in bytes.</summary>
    public int Window { get; protected set; }

    /// <summary>ssthresh, in bytes.</summary>
    public int SlowStartThreshold { get; protected set; }

    /// <summary>Creates the controller <paramref name="algorithm"/> names.</summary>
    public static CongestionController Create(CongestionControlAlgorithm algorithm, int mss, int initialWindowSegments) => algorithm switch
    {
        CongestionControlAlgorithm.Cubic => new CubicCongestionController(mss, initialWindowSegments),
        _ => new RenoCongestionController(mss, initialWindowSegments),
    };

    /// <summary>The path's MSS changed (PMTU discovery or option negotiation).</summary>
    public void SetMss(int mss)
    {
        Mss = Math.Max(1, mss);
        Window = Math.Max(Window, Mss);
    }

    /// <summary>New data was acknowledged outside recovery.</summary>
    public abstract void OnAck(Instant now, int ackedBytes, int flightSize);

    /// <summary>
    /// Loss detected by duplicate acknowledgments: set ssthresh and return it (RFC 5681 §3.2 step 2;
    /// CUBIC's multiplicative decrease).
    /// </summary>
    public abstract int OnFastRetransmit(Instant now, int flightSize);

    /// <summary>The retransmission timer expired (RFC 5681 §3.1 eq. 4: ssthresh from FlightSize, cwnd = 1 segment).</summary>
    public virtual void OnRetransmissionTimeout(Instant now, int flightSize)
    {
        SlowStartThreshold = Math.Max(flightSize / 2, 2 * Mss);
        Window = Mss; // loss window, RFC 5681 §3.1
    }

    /// <summary>Sets cwnd directly (fast recovery's inflation and deflation, RFC 6582 §3.2).</summary>
    public void SetWindow(int bytes) => Window = Math.Max(Mss, bytes);

    /// <summary>
    /// Undoes a reduction that proved needless (RFC 3708 §2, RFC 2883 §5): cwnd and ssthresh become at
    /// least what they were before it.
    /// </summary>
    public virtual void Restore(int window, int slowStartThreshold)
    {
        Window = Math.Max(Window, window);
        SlowStartThreshold = Math.Max(SlowStartThreshold, slowStartThreshold);
    }

    /// <summary>Slow start: cwnd grows by at most one SMSS per ACK (RFC 5681 §3.1 eq. 2).</summary>
    protected void SlowStart(int ackedBytes) => Window += Math.Min(ackedBytes, Mss);
}

/// <summary>Reno's window growth (RFC 5681 §3.1), used with NewReno recovery (RFC 6582).</summary>
internal sealed class RenoCongestionController(int mss, int initialWindowSegments) : CongestionController(mss, initialWindowSegments)
{
    private int _bytesAcked; // appropriate byte counting in congestion avoidance (RFC 3465 §2.1)

    public override void OnAck(Instant now, int ackedBytes, int flightSize)
    {
        if (Window < SlowStartThreshold)
        {
            SlowStart(ackedBytes);
            return;
        }
        // Congestion avoidance: one SMSS per window of acknowledged data.
        _bytesAcked += ackedBytes;
        if (_bytesAcked >= Window)
        {
            _bytesAcked -= Window;
            Window += Mss;
        }
    }

    public override int OnFastRetransmit(Instant now, int flightSize)
    {
        // RFC 5681 §3.2 eq. 4.
        SlowStartThreshold = Math.Max(flightSize / 2, 2 * Mss);
        _bytesAcked = 0;
        return SlowStartThreshold;
    }
}

/// <summary>CUBIC window growth (RFC 9438), with its Reno-friendly region (§4.3).</summary>
internal sealed class CubicCongestionController(int mss, int initialWindowSegments) : CongestionController(mss, initialWindowSegments)
{
    private const double C = 0.4;            // RFC 9438 §5.1
    private const double Beta = 0.7;         // RFC 9438 §4.6 β_cubic
    private double _wMax;                    // segments, window before the last reduction
    private double _k;                       // seconds, time to reach _wMax again
    private Instant? _epochStart;
    private double _wEst;                    // segments, Reno-friendly estimate (§4.3)
    private double _cwndSegments;

    public override void OnAck(Instant now, int ackedBytes, int flightSize)
    {
        if (Window < SlowStartThreshold)
        {
            SlowStart(ackedBytes);
            return;
        }
        double segments = Window / (double)Mss;
        if (_epochStart is null)
        {
            // §4.2: a new congestion-avoidance epoch.
            _epochStart = now;
            if (_wMax < segments)
            {
                _wMax = segments;
                _k = 0;
            }
            else
            {
                _k = Math.Cbrt((_wMax - segments) / C); // eq. 2 with cwnd_epoch = current window
            }
            _wEst = segments;
            _cwndSegments = segments;
        }
        double t = (now - _epochStart.Value).TotalSeconds;
        double target = C * Math.Pow(t - _k, 3) + _wMax; // eq. 1
        // §4.3: W_est grows like Reno with α = 3(1-β)/(1+β).
        double alpha = 3 * (1 - Beta) / (1 + Beta);
        _wEst += alpha * (ackedBytes / (double)Mss) / segments;
        double next = Math.Max(target, _wEst);
        // §4.4: at most 1.5× per RTT; approximated per ACK by growing toward the target.
        if (next > _cwndSegments)
        {
            _cwndSegments += Math.Min(next - _cwndSegments, 0.5 * ackedBytes / Mss) * ackedBytes / (Mss * Math.Max(1.0, segments)) * Math.Max(1.0, segments);
        }
        Window = Math.Max(Mss, (int)(_cwndSegments * Mss));
    }

    public override int OnFastRetransmit(Instant now, int flightSize)
    {
        double segments = Window / (double)Mss;
        // §4.7 fast convergence.
        _wMax = segments < _wMax ? segments * (1 + Beta) / 2 : segments;
        _epochStart = null;
        // §4.6: ssthresh = cwnd · β_cubic. From cwnd, not FlightSize as Reno does (RFC 5681 eq. 4), as
        // Linux and Windows do: an application-limited flight would otherwise collapse the window.
        SlowStartThreshold = Math.Max((int)(Window * Beta), 2 * Mss);
        return SlowStartThreshold;
    }

    public override void Restore(int window, int slowStartThreshold)
    {
        base.Restore(window, slowStartThreshold);
        _epochStart = null; // the curve restarts from the restored window
    }

    public override void OnRetransmissionTimeout(Instant now, int flightSize)
    {
        _wMax = Window / (double)Mss;
        _epochStart = null;
        SlowStartThreshold = Math.Max((int)(flightSize * Beta), 2 * Mss); // §4.8
        Window = Mss;
    }
}
