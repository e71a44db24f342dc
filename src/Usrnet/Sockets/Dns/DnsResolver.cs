using System.Security.Cryptography;
using Usrnet.Wire;

namespace Usrnet.Sockets.Dns;

/// <summary>
/// A stub resolver (RFC 1034 §5.3.1, RFC 1035 §7) on the stack's own UDP and TCP sockets, driven by its
/// owner like the sockets are: <see cref="StartQuery"/>, then <see cref="Poll"/> after each poll of the
/// interface and again by <see cref="PollAt"/>, until the <see cref="DnsQuery"/> is no longer pending.
/// <code>
/// DnsResolver resolver = new(iface.Sockets) { Servers = [Ipv4Address.Parse("10.0.0.101")] };
/// DnsQuery query = resolver.StartQuery("www.example.test", DnsRecordType.A, now);
/// while (query.Status == DnsQueryStatus.Pending)
/// {
///     iface.Poll(now);
///     resolver.Poll(now, iface.Address?.Address);
///     // wait until a frame arrives or Instant.Min(iface.PollAt(now), resolver.PollAt(now)), then update now
/// }
/// </code>
/// </summary>
/// <remarks>
/// <para>Each question goes out from a fresh UDP socket on a random port with a random ID, and only an
/// answer from port 53 of a server it was sent to, with that ID and the same question, is used (RFC 5452
/// §9). Retries, server rotation, TCP after truncation: see <see cref="DnsResolverOptions"/>. Answers
/// are cached (<see cref="Cache"/>).</para>
/// <para>The search domain (<see cref="SearchDomain"/>), like resolv.conf with <c>ndots:1</c>: a name
/// ending in a dot is absolute and asked as it is; a name without a dot is asked with the search domain
/// appended first, then as it is; a name with a dot is asked as it is first, then with the search domain
/// appended. The next form is tried only after NXDOMAIN or NODATA; a server failure or timeout ends the
/// query.</para>
/// <para>Not thread-safe: call it on the thread that polls the interface (the async facade's loop).</para>
/// </remarks>
public sealed class DnsResolver
{
    /// <summary>The DNS port (RFC 1035 §4.2.1, §4.2.2).</summary>
    public const ushort ServerPort = 53;

    private readonly List<DnsQuery> _pending = [];
    private readonly Random? _random;
    private Ipv4Address[] _servers = [];
    private string? _searchDomain;
    private byte[]? _scratch;

    /// <summary>
    /// Creates a resolver whose queries use <paramref name="sockets"/>. <paramref name="random"/> draws
    /// query IDs; tests pass a seeded one, otherwise IDs come from the cryptographic generator, since
    /// their unpredictability is the defence against spoofed answers (RFC 5452 §4.3). Source ports are
    /// drawn by the socket set.
    /// </summary>
    public DnsResolver(SocketSet sockets, DnsResolverOptions? options = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        options ??= DnsResolverOptions.Default;
        options.Validate();
        Sockets = sockets;
        Options = options;
        _random = random;
        Cache = new DnsCache(options);
    }

    /// <summary>The options.</summary>
    public DnsResolverOptions Options { get; }

    /// <summary>The answers kept for reuse.</summary>
    internal DnsCache Cache { get; }

    /// <summary>What was sent, received and dropped.</summary>
    public DnsResolverCounters Counters { get; } = new();

    /// <summary>Queries not yet succeeded, failed or cancelled.</summary>
    public int PendingQueries => _pending.Count;

    /// <summary>
    /// The name servers, asked in this order (e.g. from DHCP option 6). A change applies to questions
    /// asked from then on.
    /// </summary>
    /// <exception cref="ArgumentException">An address is not a unicast address.</exception>
    public IReadOnlyList<Ipv4Address> Servers
    {
        get => _servers;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Ipv4Address[] servers = [.. value];
            foreach (Ipv4Address server in servers)
            {
                if (!server.IsUnicast)
                {
                    throw new ArgumentException($"{server} cannot be a name server", nameof(value));
                }
            }
            _servers = servers;
        }
    }

    /// <summary>
    /// The domain appended to names as the remarks describe (e.g. DHCP option 15), or null. A final dot
    /// is dropped.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not a valid domain name.</exception>
    public string? SearchDomain
    {
        get => _searchDomain;
        set
        {
            if (string.IsNullOrEmpty(value) || value == ".")
            {
                _searchDomain = null;
                return;
            }
            Span<byte> wire = stackalloc byte[DnsName.MaxLength];
            if (!DnsName.TryEncode(value, wire, out int length))
            {
                throw new ArgumentException($"'{value}' is not a valid domain name", nameof(value));
            }
            _searchDomain = DnsName.ToText(wire[..length]); // canonical: no final dot, escapes as answers have them
        }
    }

    internal SocketSet Sockets { get; }

    internal Ipv4Address[] ServerSnapshot => _servers;

    /// <summary>
    /// Starts looking up records of <paramref name="type"/> for <paramref name="name"/> (presentation form,
    /// e.g. "www.example.test"). The query may complete at once (from the cache, or with
    /// <see cref="DnsError.NoServers"/>); otherwise its first datagram is queued for the interface's next poll.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid domain name (empty label, label over 63 or name over 255 octets, non-ASCII).</exception>
    public DnsQuery StartQuery(string name, DnsRecordType type, Instant now)
    {
        ArgumentNullException.ThrowIfNull(name);
        DnsQuery query = new(this, name, type, Candidates(name), now);
        _pending.Add(query);
        query.Begin(now);
        if (query.Status != DnsQueryStatus.Pending)
        {
            _pending.Remove(query);
        }
        return query;
    }

    /// <summary>
    /// Starts resolving a host name to IPv4 addresses (A records, RFC 1035 §3.4.1), as the async facade
    /// does before connecting. A dotted-quad literal succeeds at once with that address and no traffic.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="hostName"/> is neither an IPv4 literal nor a valid domain name.</exception>
    public DnsQuery StartHostLookup(string hostName, Instant now)
    {
        ArgumentNullException.ThrowIfNull(hostName);
        if (Ipv4Address.TryParse(hostName, out Ipv4Address literal))
        {
            DnsQuery query = new(this, hostName, DnsRecordType.A, [hostName], now);
            query.Succeed(now, [new DnsRecord(hostName, DnsRecordType.A, TimeSpan.MaxValue) { Address = literal }], hostName);
            return query;
        }
        return StartQuery(hostName, DnsRecordType.A, now);
    }

    /// <summary>
    /// Reads the answers that arrived, retransmits, moves to the next server, opens TCP connections after
    /// truncated answers and follows CNAME chains. <paramref name="localAddress"/> is the interface's
    /// address, needed to connect over TCP. Returns true when a query succeeded or failed.
    /// </summary>
    public bool Poll(Instant now, Ipv4Address? localAddress)
    {
        if (_pending.Count == 0)
        {
            return false;
        }
        _scratch ??= new byte[UdpHeader.MaxPayloadLength];
        bool completed = false;
        for (int i = 0; i < _pending.Count; i++)
        {
            _pending[i].Poll(now, localAddress, _scratch);
        }
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            if (_pending[i].Status != DnsQueryStatus.Pending)
            {
                // Cancelled queries leave here too; only a query that completed in a poll counts as news.
                completed |= _pending[i].CompletedAt is not null;
                _pending.RemoveAt(i);
            }
        }
        return completed;
    }

    /// <summary>When <see cref="Poll"/> must next be called if no frame arrives: the earliest retransmission or timeout; null with no query pending.</summary>
    public Instant? PollAt(Instant now)
    {
        Instant? next = null;
        foreach (DnsQuery query in _pending)
        {
            next = Instant.Min(next, query.PollAt);
        }
        return next;
    }

    /// <summary>A fresh query ID (RFC 5452 §4.3: random across the whole 16-bit space).</summary>
    internal ushort NextId() => (ushort)(_random?.Next(ushort.MaxValue + 1) ?? RandomNumberGenerator.GetInt32(ushort.MaxValue + 1));

    /// <summary>The names to try for <paramref name="name"/>, in order (see the remarks on the search domain).</summary>
    private List<string> Candidates(string name)
    {
        Span<byte> wire = stackalloc byte[DnsName.MaxLength];
        if (!DnsName.TryEncode(name, wire, out int length))
        {
            throw new ArgumentException($"'{name}' is not a valid domain name", nameof(name));
        }
        // Compared with owner names from answers, which are in this same presentation form.
        string canonical = DnsName.ToText(wire[..length]);
        if (canonical == "." || EndsWithDot(name) || _searchDomain is null)
        {
            return [canonical];
        }
        List<string> candidates = [];
        string qualified = $"{canonical}.{_searchDomain}";
        bool qualifiedValid = DnsName.TryEncode(qualified, wire, out _); // may be too long: then skipped
        if (!HasDot(name) && qualifiedValid)
        {
            candidates.Add(qualified);
        }
        candidates.Add(canonical);
        if (HasDot(name) && qualifiedValid)
        {
            candidates.Add(qualified);
        }
        return candidates;
    }

    /// <summary>True when the text has a label separator (an unescaped dot).</summary>
    private static bool HasDot(string name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] == '\\')
            {
                i++;
            }
            else if (name[i] == '.')
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when the text ends with an unescaped dot: an absolute name.</summary>
    private static bool EndsWithDot(string name)
    {
        if (name.Length == 0 || name[^1] != '.')
        {
            return false;
        }
        int backslashes = 0;
        for (int i = name.Length - 2; i >= 0 && name[i] == '\\'; i--)
        {
            backslashes++;
        }
        return backslashes % 2 == 0;
    }
}
