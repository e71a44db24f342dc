using Usrnet.Wire;

namespace Usrnet.Sockets.Dns;

/// <summary>
/// The resolver's cache: answers by question (name, case-insensitively, and type), each kept for its
/// TTL (RFC 1035 §3.2.1; the least TTL of its records, RFC 2181 §5.2) and never longer than
/// <see cref="DnsResolverOptions.MaxCacheTimeToLive"/>. Negative answers (NXDOMAIN and NODATA) are kept
/// for the TTL of their SOA record (RFC 2308 §5), or briefly without one. A TTL of zero is not cached.
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="Capacity"/> entries; a new entry first evicts expired ones, then the one
/// that would expire first. Not thread-safe: owned by the resolver's poll thread.
/// </remarks>
internal sealed class DnsCache
{
    private readonly Dictionary<(string Name, DnsRecordType Type), Entry> _entries = [];
    private readonly DnsResolverOptions _options;

    internal DnsCache(DnsResolverOptions options) => _options = options;

    /// <summary>Entries held, expired ones included until they are evicted or looked up.</summary>
    public int Count => _entries.Count;

    /// <summary>Most entries held.</summary>
    public int Capacity => _options.CacheCapacity;

    /// <summary>Forgets everything (e.g. when the servers change).</summary>
    public void Clear() => _entries.Clear();

    /// <summary>The answer cached for (<paramref name="name"/>, <paramref name="type"/>) with its TTLs aged to <paramref name="now"/>.</summary>
    internal bool TryGet(string name, DnsRecordType type, Instant now, out DnsResponse? response)
    {
        response = null;
        (string, DnsRecordType) key = (Key(name), type);
        if (!_entries.TryGetValue(key, out Entry entry))
        {
            return false;
        }
        if (now >= entry.Expires)
        {
            _entries.Remove(key);
            return false;
        }
        response = entry.Response.Aged(now - entry.Stored);
        return true;
    }

    /// <summary>Caches the answer to (<paramref name="name"/>, <paramref name="type"/>) for as long as its TTLs allow.</summary>
    internal void Add(string name, DnsRecordType type, DnsResponse response, Instant now)
    {
        TimeSpan ttl = TimeToLive(response);
        if (ttl <= TimeSpan.Zero || Capacity == 0)
        {
            return;
        }
        (string, DnsRecordType) key = (Key(name), type);
        if (!_entries.ContainsKey(key) && _entries.Count >= Capacity)
        {
            MakeRoom(now);
        }
        _entries[key] = new Entry(response, now, now + ttl);
    }

    private TimeSpan TimeToLive(DnsResponse response)
    {
        if (response.Answers.Count == 0)
        {
            // NXDOMAIN, or NODATA (RFC 2308 §2.2): a negative answer.
            TimeSpan negative = response.NegativeTimeToLive ?? _options.NegativeCacheTimeToLiveWithoutSoa;
            return negative < _options.MaxNegativeCacheTimeToLive ? negative : _options.MaxNegativeCacheTimeToLive;
        }
        TimeSpan least = _options.MaxCacheTimeToLive;
        foreach (DnsRecord record in response.Answers)
        {
            if (record.TimeToLive < least)
            {
                least = record.TimeToLive;
            }
        }
        return least;
    }

    private void MakeRoom(Instant now)
    {
        (string, DnsRecordType)? first = null;
        Instant firstExpiry = default;
        List<(string, DnsRecordType)>? expired = null;
        foreach (KeyValuePair<(string, DnsRecordType), Entry> pair in _entries)
        {
            if (pair.Value.Expires <= now)
            {
                (expired ??= []).Add(pair.Key);
            }
            else if (first is null || pair.Value.Expires < firstExpiry)
            {
                first = pair.Key;
                firstExpiry = pair.Value.Expires;
            }
        }
        if (expired is not null)
        {
            foreach ((string, DnsRecordType) key in expired)
            {
                _entries.Remove(key);
            }
        }
        else if (first is { } victim)
        {
            _entries.Remove(victim);
        }
    }

    /// <summary>Names are equal case-insensitively for ASCII letters only (RFC 4343 §3); presentation text is ASCII.</summary>
    private static string Key(string name) => name.ToLowerInvariant();

    private readonly record struct Entry(DnsResponse Response, Instant Stored, Instant Expires);
}
