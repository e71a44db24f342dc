using Usrnet.Wire;

namespace Usrnet.Sockets.Dns;

/// <summary>
/// One lookup started by <see cref="DnsResolver.StartQuery"/>: a name and a type, resolved through the
/// search domain, the cache, the servers and any CNAME chain. Its owner polls the resolver and reads
/// <see cref="Status"/>; <see cref="Dispose"/> (or <see cref="Cancel"/>) frees its sockets.
/// </summary>
/// <remarks>
/// <para>CNAME records are followed as RFC 1034 §3.6.2 and §5.3.3 say: within an answer from the name
/// asked to its canonical name, and when the chain ends without records of the type asked, by asking
/// again for the last name. At most <see cref="DnsResolverOptions.MaxCanonicalNameChain"/> aliases are
/// followed in all, and a loop fails at once.</para>
/// <para>Not thread-safe: use it on the thread that polls the resolver.</para>
/// </remarks>
public sealed class DnsQuery : IDisposable
{
    private readonly DnsResolver _resolver;
    private readonly IReadOnlyList<string> _candidates;
    private readonly List<DnsRecord> _chain = [];
    private int _candidateIndex;
    private string _currentName;
    private bool _sawNoData;
    private DnsExchange? _exchange;

    internal DnsQuery(DnsResolver resolver, string name, DnsRecordType type, IReadOnlyList<string> candidates, Instant now)
    {
        _resolver = resolver;
        Name = name;
        Type = type;
        _candidates = candidates;
        _currentName = candidates[0];
        StartedAt = now;
    }

    /// <summary>The name as given to <see cref="DnsResolver.StartQuery"/>.</summary>
    public string Name { get; }

    /// <summary>The type of records asked for.</summary>
    public DnsRecordType Type { get; }

    /// <summary>Pending, succeeded or failed.</summary>
    public DnsQueryStatus Status { get; private set; }

    /// <summary>Why the query failed; <see cref="DnsError.None"/> otherwise.</summary>
    public DnsError Error { get; private set; }

    /// <summary>The records of type <see cref="Type"/> owned by <see cref="CanonicalName"/>, in the order the server gave them.</summary>
    public IReadOnlyList<DnsRecord> Answers { get; private set; } = [];

    /// <summary>The CNAME records followed from the name asked to <see cref="CanonicalName"/>, in order.</summary>
    public IReadOnlyList<DnsRecord> CanonicalNameChain => _chain;

    /// <summary>The addresses of the A records among <see cref="Answers"/>.</summary>
    public IReadOnlyList<Ipv4Address> Addresses { get; private set; } = [];

    /// <summary>The addresses of the AAAA records among <see cref="Answers"/>.</summary>
    public IReadOnlyList<Ipv6Address> Ipv6Addresses { get; private set; } = [];

    /// <summary>
    /// The name that owns the answers: the name asked, with the search domain if that is what matched,
    /// at the end of the CNAME chain. Null until the query succeeds.
    /// </summary>
    public string? CanonicalName { get; private set; }

    /// <summary>How long the answer may be used: the least TTL of the answers and the CNAME records followed.</summary>
    public TimeSpan TimeToLive { get; private set; }

    /// <summary>The server that gave the last answer; null when it came from the cache or no server answered.</summary>
    public Ipv4Address? Server { get; private set; }

    /// <summary>How the last answer came.</summary>
    public DnsTransport Transport { get; private set; }

    /// <summary>When the query was started.</summary>
    public Instant StartedAt { get; }

    /// <summary>When the query succeeded or failed (null while pending, and after <see cref="Cancel"/>).</summary>
    public Instant? CompletedAt { get; private set; }

    /// <summary>Stops a pending query (<see cref="DnsError.Cancelled"/>) and closes its sockets.</summary>
    public void Cancel()
    {
        if (Status == DnsQueryStatus.Pending)
        {
            Finish(null, DnsError.Cancelled);
        }
    }

    /// <summary>Cancels the query if it is pending.</summary>
    public void Dispose() => Cancel();

    internal Instant? PollAt => Status == DnsQueryStatus.Pending ? _exchange?.PollAt : null;

    /// <summary>Looks the first candidate up: from the cache, or by asking the servers.</summary>
    internal void Begin(Instant now) => Ask(now, _currentName);

    /// <summary>Polls the exchange in progress and acts on its outcome.</summary>
    internal void Poll(Instant now, Ipv4Address? localAddress, byte[] scratch)
    {
        if (Status != DnsQueryStatus.Pending || _exchange is not { } exchange)
        {
            return;
        }
        exchange.Poll(now, localAddress, scratch);
        if (!exchange.IsComplete)
        {
            return;
        }
        _exchange = null;
        if (exchange.Error != DnsError.None)
        {
            Finish(now, exchange.Error);
            return;
        }
        Server = exchange.Server;
        Transport = exchange.Transport;
        DnsResponse response = exchange.Response!;
        _resolver.Cache.Add(_currentName, Type, response, now);
        OnResponse(now, response);
    }

    /// <summary>Completes the query at once with the given answers (an address literal; no traffic).</summary>
    internal void Succeed(Instant now, IReadOnlyList<DnsRecord> answers, string canonicalName)
    {
        CanonicalName = canonicalName;
        SetAnswers(answers);
        TimeToLive = Least(answers, TimeSpan.MaxValue);
        Finish(now, DnsError.None);
    }

    private void Ask(Instant now, string name)
    {
        _currentName = name;
        if (_resolver.Cache.TryGet(name, Type, now, out DnsResponse? cached))
        {
            _resolver.Counters.CacheHits++;
            Server = null;
            Transport = DnsTransport.None;
            OnResponse(now, cached!);
            return;
        }
        Ipv4Address[] servers = _resolver.ServerSnapshot;
        if (servers.Length == 0)
        {
            Finish(now, DnsError.NoServers);
            return;
        }
        Span<byte> wire = stackalloc byte[DnsName.MaxLength];
        DnsName.TryEncode(name, wire, out int length); // candidates and CNAME targets are valid names
        _exchange = new DnsExchange(_resolver.Sockets, _resolver.Options, _resolver.Counters, wire[..length], Type, _resolver.NextId(), servers, now);
        if (_exchange.IsComplete)
        {
            // Not even the first query could be sent (no local port was free).
            DnsError error = _exchange.Error;
            _exchange = null;
            Finish(now, error);
        }
    }

    private void OnResponse(Instant now, DnsResponse response)
    {
        if (response.ResponseCode == DnsResponseCode.NameError)
        {
            NextCandidateOrFail(now, DnsError.NameError);
            return;
        }
        string name = _currentName;
        while (true)
        {
            List<DnsRecord>? matches = null;
            DnsRecord? alias = null;
            foreach (DnsRecord record in response.Answers)
            {
                if (!string.Equals(record.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (record.Type == Type || Type == DnsRecordType.ANY)
                {
                    (matches ??= []).Add(record);
                }
                else if (record.Type == DnsRecordType.CNAME && alias is null)
                {
                    alias = record;
                }
            }
            if (matches is not null)
            {
                CanonicalName = name;
                SetAnswers(matches);
                TimeToLive = Least(_chain, Least(matches, TimeSpan.MaxValue));
                Finish(now, DnsError.None);
                return;
            }
            if (alias is null)
            {
                break;
            }
            // RFC 1034 §3.6.2: an alias has no other data; restart at its canonical name.
            if (_chain.Count >= _resolver.Options.MaxCanonicalNameChain || IsInChain(alias.Target!))
            {
                Finish(now, DnsError.CanonicalNameChainTooLong);
                return;
            }
            _chain.Add(alias);
            name = alias.Target!;
        }
        if (!string.Equals(name, _currentName, StringComparison.OrdinalIgnoreCase))
        {
            // RFC 1034 §5.3.3 step 3: the chain ended without the data; ask for the canonical name.
            Ask(now, name);
            return;
        }
        _sawNoData = true;
        NextCandidateOrFail(now, DnsError.NoData);
    }

    private bool IsInChain(string name)
    {
        if (_chain.Count > 0 && string.Equals(_chain[0].Name, name, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        foreach (DnsRecord link in _chain)
        {
            if (string.Equals(link.Target, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The name asked does not exist, or has no records of the type: try the next search candidate. Once
    /// a CNAME was followed the name did exist, so the failure is final. As glibc reports, NODATA for
    /// any candidate wins over NXDOMAIN for the others.
    /// </summary>
    private void NextCandidateOrFail(Instant now, DnsError error)
    {
        if (_chain.Count == 0 && _candidateIndex + 1 < _candidates.Count)
        {
            _candidateIndex++;
            Ask(now, _candidates[_candidateIndex]);
            return;
        }
        Finish(now, _sawNoData ? DnsError.NoData : error);
    }

    private void SetAnswers(IReadOnlyList<DnsRecord> answers)
    {
        Answers = answers;
        List<Ipv4Address> v4 = [];
        List<Ipv6Address> v6 = [];
        foreach (DnsRecord record in answers)
        {
            if (record.Type == DnsRecordType.A)
            {
                v4.Add(record.Address);
            }
            else if (record.Type == DnsRecordType.AAAA)
            {
                v6.Add(record.Ipv6Address);
            }
        }
        Addresses = v4;
        Ipv6Addresses = v6;
    }

    private static TimeSpan Least(IReadOnlyList<DnsRecord> records, TimeSpan start)
    {
        TimeSpan least = start;
        foreach (DnsRecord record in records)
        {
            if (record.TimeToLive < least)
            {
                least = record.TimeToLive;
            }
        }
        return least;
    }

    private void Finish(Instant? now, DnsError error)
    {
        _exchange?.Dispose();
        _exchange = null;
        Error = error;
        Status = error == DnsError.None ? DnsQueryStatus.Succeeded : DnsQueryStatus.Failed;
        CompletedAt = now;
    }
}
