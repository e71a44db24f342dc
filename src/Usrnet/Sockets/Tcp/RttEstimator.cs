namespace Usrnet.Sockets.Tcp;

/// <summary>
/// Round-trip time estimation and the retransmission timeout of one connection (RFC 6298): SRTT and
/// RTTVAR from samples (§2), exponential back-off on expiry (§5.5), and the minimum RTT RACK's
/// reordering window is measured in (RFC 8985 §6.2).
/// </summary>
internal sealed class RttEstimator
{
    /// <summary>RFC 6298 §5.7: the RTO data starts with after a SYN timed out without an RTT sample.</summary>
    internal static readonly TimeSpan RtoAfterSynTimeout = TimeSpan.FromSeconds(3);

    /// <summary>RFC 6298 §2.3: the clock granularity G; timestamps tick in milliseconds (RFC 7323 §5.4).</summary>
    private static readonly TimeSpan s_clockGranularity = TimeSpan.FromMilliseconds(1);

    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly TimeSpan _initial;
    private TimeSpan _computed;

    /// <summary>Creates an estimator with no sample yet: the RTO is <paramref name="initial"/> (RFC 6298 §2.1).</summary>
    public RttEstimator(TimeSpan initial, TimeSpan min, TimeSpan max)
    {
        _initial = initial;
        _min = min;
        _max = max;
        Reset();
    }

    /// <summary>True once a sample was taken.</summary>
    public bool HasSample { get; private set; }

    /// <summary>SRTT; zero before the first sample.</summary>
    public TimeSpan Smoothed { get; private set; }

    /// <summary>RTTVAR; zero before the first sample.</summary>
    public TimeSpan Variation { get; private set; }

    /// <summary>The smallest sample seen (RFC 8985 §6.2 RACK.min_RTT); <see cref="TimeSpan.MaxValue"/> before the first.</summary>
    public TimeSpan Minimum { get; private set; }

    /// <summary>The retransmission timeout now, back-off included.</summary>
    public TimeSpan Rto { get; private set; }

    /// <summary>Forgets every sample (a new connection).</summary>
    public void Reset()
    {
        HasSample = false;
        Smoothed = TimeSpan.Zero;
        Variation = TimeSpan.Zero;
        Minimum = TimeSpan.MaxValue;
        Rto = _initial;
        _computed = _initial;
    }

    /// <summary>Takes a sample (RFC 6298 §2.2 and §2.3) and sets the RTO from it, back-off ended.</summary>
    public void AddSample(TimeSpan sample)
    {
        if (!HasSample)
        {
            Smoothed = sample;
            Variation = sample / 2;
            HasSample = true;
        }
        else
        {
            TimeSpan delta = (Smoothed - sample).Duration();
            Variation = (Variation * 3 + delta) / 4; // β = 1/4
            Smoothed = (Smoothed * 7 + sample) / 8;  // α = 1/8
        }
        if (sample < Minimum)
        {
            Minimum = sample;
        }
        TimeSpan rto = Smoothed + TimeSpan.FromTicks(Math.Max(s_clockGranularity.Ticks, 4 * Variation.Ticks));
        _computed = Clamp(rto);
        Rto = _computed;
    }

    /// <summary>RFC 6298 §5.5: the timer expired; double the RTO, up to the maximum.</summary>
    public void BackOff() => Rto = TimeSpan.FromTicks(Math.Min(Rto.Ticks * 2, _max.Ticks));

    /// <summary>
    /// Ends the back-off: the RTO is the last computed one again. Called when new data is acknowledged,
    /// which proves the path works, rather than waiting for a sample Karn's rule may withhold for
    /// several rounds on a lossy path (each further timeout would double it again).
    /// </summary>
    public void EndBackOff() => Rto = _computed;

    /// <summary>RFC 6298 §5.7: a SYN timed out and no sample exists; data starts with at least 3 s.</summary>
    public void ApplySynTimeoutRule()
    {
        if (!HasSample)
        {
            _computed = TimeSpan.FromTicks(Math.Max(_computed.Ticks, RtoAfterSynTimeout.Ticks));
        }
    }

    private TimeSpan Clamp(TimeSpan rto) => rto < _min ? _min : rto > _max ? _max : rto;
}
