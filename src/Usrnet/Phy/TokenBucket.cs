namespace Usrnet.Phy;

/// <summary>
/// A token bucket in bytes, refilled from the caller's clock: the shaper of Linux <c>tbf</c> without
/// its queue, so frames over the rate are dropped rather than delayed.
/// </summary>
/// <remarks>A mutable struct: keep it in a field and call it through that field, never through a copy.</remarks>
internal struct TokenBucket
{
    private readonly double _bytesPerMicrosecond;
    private readonly double _capacity;
    private double _tokens;
    private Instant? _lastRefill;

    /// <summary>A bucket that starts full. A rate of 0 means no limit.</summary>
    public TokenBucket(long bytesPerSecond, int capacity)
    {
        _bytesPerMicrosecond = bytesPerSecond / 1_000_000.0;
        _capacity = capacity;
        _tokens = capacity;
    }

    /// <summary>True when the bucket limits anything.</summary>
    public readonly bool IsLimited => _bytesPerMicrosecond > 0;

    /// <summary>Takes <paramref name="bytes"/> tokens if the bucket holds them at <paramref name="now"/>.</summary>
    public bool TryTake(Instant now, int bytes)
    {
        if (!IsLimited)
        {
            return true;
        }
        if (_lastRefill is { } last && now > last)
        {
            _tokens = Math.Min(_capacity, _tokens + (now.TotalMicroseconds - last.TotalMicroseconds) * _bytesPerMicrosecond);
        }
        // A clock that steps backwards must not refill the bucket twice for the same interval.
        if (_lastRefill is not { } previous || now > previous)
        {
            _lastRefill = now;
        }
        if (_tokens < bytes)
        {
            return false;
        }
        _tokens -= bytes;
        return true;
    }
}
