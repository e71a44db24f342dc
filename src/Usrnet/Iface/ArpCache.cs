using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>
/// The neighbour table of RFC 826: IPv4 address to MAC address, with frames parked while an address
/// resolves (RFC 1122 §2.3.2.2), requests limited to one per second per address, and a give-up after
/// <see cref="ArpCacheOptions.MaxRequests"/> unanswered requests.
/// </summary>
/// <remarks>
/// An entry past its lifetime is not dropped at once: traffic keeps using it while it is verified with
/// unicast requests to the known MAC (RFC 1122 §2.3.2.1 "unicast poll", Linux's STALE/PROBE), so a
/// lossy link does not stall every flow each minute. Only when the polls go unanswered does the entry fail.
/// </remarks>
/// <remarks>
/// Ownership: parked frames belong to the cache until it hands them to its host (sent or unreachable).
/// Never reads a clock: every call takes <c>now</c>.
/// </remarks>
/// <remarks>
/// Users see the interface's own cache through <see cref="Interface.ArpCache"/>, to read only: what is
/// resolved and how much is parked. Only the interface makes and changes one.
/// </remarks>
public sealed class ArpCache
{
    private readonly ArpCacheOptions _options;
    private readonly NeighborTable<Ipv4Address, Entry> _table = new();

    /// <summary>Creates an empty cache.</summary>
    internal ArpCache(ArpCacheOptions? options = null) => _options = options ?? new ArpCacheOptions();

    /// <summary>Number of entries, resolved or not.</summary>
    public int Count => _table.Entries.Count;

    /// <summary>Number of frames parked while their neighbours resolve.</summary>
    public int ParkedCount => _table.ParkedCount;

    /// <summary>The MAC of <paramref name="address"/> if it is known and fresh.</summary>
    public bool TryLookup(Ipv4Address address, Instant now, out EthernetAddress hardwareAddress)
    {
        if (_table.Entries.TryGetValue(address, out Entry? e) && e.State == EntryState.Resolved && now < e.ExpiresAt)
        {
            hardwareAddress = e.HardwareAddress;
            return true;
        }
        hardwareAddress = default;
        return false;
    }

    /// <summary>Every resolved entry that is still fresh, for display.</summary>
    public IEnumerable<(Ipv4Address Address, EthernetAddress HardwareAddress)> ResolvedEntries(Instant now) =>
        _table.Entries.Where(kv => kv.Value.State == EntryState.Resolved && now < kv.Value.ExpiresAt)
                .Select(kv => (kv.Key, kv.Value.HardwareAddress)).ToList();

    /// <summary>
    /// Learns a mapping (RFC 826's merge step). <paramref name="create"/> is true when the packet was
    /// addressed to us (RFC 826 adds new entries only then); otherwise only an existing entry is updated.
    /// Frames parked for the address are sent.
    /// </summary>
    internal void Update(Instant now, Ipv4Address address, EthernetAddress hardwareAddress, bool create, IArpCacheHost host)
    {
        if (!address.IsUnicast || !hardwareAddress.IsUnicast)
        {
            return;
        }
        if (!_table.Entries.TryGetValue(address, out Entry? e))
        {
            if (!create || !MakeRoom(now))
            {
                return;
            }
            e = new Entry();
            _table.Entries[address] = e;
        }
        e.State = EntryState.Resolved;
        e.HardwareAddress = hardwareAddress;
        e.ExpiresAt = now + _options.EntryLifetime;
        e.RequestsSent = 0;
        while (_table.TryUnpark(e, out PacketBuffer? frame))
        {
            host.TransmitParked(now, hardwareAddress, frame);
        }
    }

    /// <summary>
    /// Sends <paramref name="frame"/> to <paramref name="address"/> when its MAC is known, otherwise parks
    /// it and starts resolving. Takes ownership of the frame in every case.
    /// </summary>
    internal void Send(Instant now, Ipv4Address address, PacketBuffer frame, IArpCacheHost host)
    {
        if (TryLookup(address, now, out EthernetAddress mac))
        {
            host.TransmitParked(now, mac, frame);
            return;
        }
        if (!_table.Entries.TryGetValue(address, out Entry? e))
        {
            if (!MakeRoom(now))
            {
                host.NeighborUnreachable(now, frame);
                return;
            }
            e = new Entry { State = EntryState.Failed };
            _table.Entries[address] = e;
        }
        if (e.State == EntryState.Resolved)
        {
            // Past its lifetime: verify it with unicast polls while still using it.
            e.State = EntryState.Probing;
            e.RequestsSent = 0;
            e.NextRequestAt = now;
        }
        if (e.State == EntryState.Probing)
        {
            host.TransmitParked(now, e.HardwareAddress, frame);
            if (e.NextRequestAt <= now && e.RequestsSent < _options.MaxRequests)
            {
                SendRequest(now, address, e, host);
            }
            return;
        }
        if (e.State == EntryState.Failed && now < e.NextRequestAt)
        {
            // Gave up less than a request interval ago: fail at once rather than send requests faster
            // than one per second.
            host.NeighborUnreachable(now, frame);
            return;
        }
        if (e.State != EntryState.Resolving)
        {
            // New, failed long enough ago, or expired: resolve (again).
            e.State = EntryState.Resolving;
            e.RequestsSent = 0;
            e.NextRequestAt = now;
        }
        _table.Park(e, frame, _options.MaxParkedPerEntry, _options.MaxParkedTotal, host);
        if (e.NextRequestAt <= now)
        {
            SendRequest(now, address, e, host);
        }
    }

    /// <summary>Sends due requests and gives up on addresses that did not answer.</summary>
    internal void Poll(Instant now, IArpCacheHost host)
    {
        foreach (Ipv4Address address in _table.Due(now, static (e, now) => e.State is EntryState.Resolving or EntryState.Probing && e.NextRequestAt <= now))
        {
            Entry e = _table.Entries[address];
            if (e.RequestsSent >= _options.MaxRequests)
            {
                // Resolving: give up and tell the senders. Probing: the neighbour is gone; new traffic resolves anew.
                e.State = EntryState.Failed;
                e.NextRequestAt = now + _options.RequestInterval; // no new resolution for one interval
                while (_table.TryUnpark(e, out PacketBuffer? frame))
                {
                    host.NeighborUnreachable(now, frame);
                }
            }
            else
            {
                SendRequest(now, address, e, host);
            }
        }
    }

    /// <summary>The next instant <see cref="Poll"/> has work: a request or a give-up.</summary>
    internal Instant? PollAt()
    {
        Instant? next = null;
        foreach (Entry e in _table.Entries.Values)
        {
            if (e.State is EntryState.Resolving or EntryState.Probing)
            {
                next = Instant.Min(next, e.NextRequestAt);
            }
        }
        return next;
    }

    /// <summary>Drops every entry and parked frame (e.g. when the interface's address changes).</summary>
    internal void Clear()
    {
        _table.Clear();
    }

    private void SendRequest(Instant now, Ipv4Address address, Entry e, IArpCacheHost host)
    {
        e.RequestsSent++;
        e.NextRequestAt = now + _options.RequestInterval;
        host.SendArpRequest(now, address, e.State == EntryState.Probing ? e.HardwareAddress : null);
    }

    private bool MakeRoom(Instant now)
    {
        if (_table.Entries.Count < _options.MaxEntries)
        {
            return true;
        }
        // Evict, in order of preference: an expired or failed entry, else the resolved entry closest to expiry.
        Ipv4Address? victim = null;
        Instant victimExpiry = default;
        foreach ((Ipv4Address address, Entry e) in _table.Entries)
        {
            if (e.State == EntryState.Failed || (e.State is EntryState.Resolved or EntryState.Probing && e.ExpiresAt <= now))
            {
                victim = address;
                break;
            }
            if (e.State == EntryState.Resolved && (victim is null || e.ExpiresAt < victimExpiry))
            {
                victim = address;
                victimExpiry = e.ExpiresAt;
            }
        }
        if (victim is null)
        {
            return false; // every entry is resolving: refuse rather than grow
        }
        _table.Entries.Remove(victim.Value);
        return true;
    }

    private enum EntryState
    {
        Failed,
        Resolving,
        Resolved,
        Probing,
    }

    private sealed class Entry : NeighborTable<Ipv4Address, Entry>.ParkingEntry
    {
        public EntryState State;
        public EthernetAddress HardwareAddress;
        public Instant ExpiresAt;
        public Instant NextRequestAt;
        public int RequestsSent;
    }
}
