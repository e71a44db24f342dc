namespace Usrnet.Sockets.Dns;

/// <summary>Timers and bounds of a <see cref="DnsResolver"/>.</summary>
public sealed record DnsResolverOptions
{
    /// <summary>The defaults.</summary>
    public static DnsResolverOptions Default { get; } = new();

    /// <summary>
    /// Wait for an answer to the first query (1 s). RFC 1035 §7.2 leaves the value to the resolver and
    /// asks that it adapt: the wait doubles after each round through the server list, up to <see cref="MaxTimeout"/>.
    /// </summary>
    public TimeSpan InitialTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for one UDP attempt (8 s).</summary>
    public TimeSpan MaxTimeout { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// UDP queries sent for one question in all, over all servers in turn (3): with one server and the
    /// defaults, the question fails after 1 + 2 + 4 = 7 s of silence.
    /// </summary>
    public int Attempts { get; init; } = 3;

    /// <summary>Wait for a TCP connection and its whole answer after a truncated UDP answer (5 s).</summary>
    public TimeSpan TcpTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most CNAME records followed for one query, within answers and across queries for their targets (8).</summary>
    public int MaxCanonicalNameChain { get; init; } = 8;

    /// <summary>Most entries in the cache (256); when full, the entry that expires first makes room.</summary>
    public int CacheCapacity { get; init; } = 256;

    /// <summary>Longest time an answer is cached whatever its TTL says (1 day).</summary>
    public TimeSpan MaxCacheTimeToLive { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Longest time a negative answer is cached (3 h: RFC 2308 §5 finds one to three hours work well).</summary>
    public TimeSpan MaxNegativeCacheTimeToLive { get; init; } = TimeSpan.FromHours(3);

    /// <summary>
    /// How long a negative answer without an SOA record is cached (5 s). RFC 2308 §5 says such answers
    /// SHOULD NOT be cached; servers like dnsmasq send none, and a few seconds keep a burst of lookups
    /// for a missing name from reaching the server each time without hiding a new name for long. Zero
    /// follows RFC 2308 to the letter.
    /// </summary>
    public TimeSpan NegativeCacheTimeToLiveWithoutSoa { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Validates the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (InitialTimeout <= TimeSpan.Zero || MaxTimeout < InitialTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialTimeout), "need 0 < initial timeout <= max timeout");
        }
        if (TcpTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TcpTimeout), "must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(Attempts, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxCanonicalNameChain);
        ArgumentOutOfRangeException.ThrowIfNegative(CacheCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCacheTimeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNegativeCacheTimeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(NegativeCacheTimeToLiveWithoutSoa, TimeSpan.Zero);
    }
}
