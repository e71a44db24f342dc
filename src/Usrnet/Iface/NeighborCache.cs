using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>
/// The IPv6 neighbour cache of RFC 4861 §7.3: IPv6 address to MAC address, with the reachability states
/// INCOMPLETE, REACHABLE, STALE, DELAY and PROBE, address resolution by multicast solicitation (§7.2.2),
/// frames parked while an address resolves, and unreachability reported to the owner.
/// </summary>
/// <remarks>
/// REACHABLE turns STALE lazily, when the entry is next looked at past its ReachableTime (§7.3.3 needs no
/// timer for it). A STALE entry that is sent to enters DELAY, then PROBE with unicast solicitations; when they
/// go unanswered the entry is deleted (§7.3.3), so new traffic resolves anew.
/// Ownership: parked frames belong to the cache until it hands them to its host (sent or unreachable).
/// Never reads a clock: every call takes <c>now</c>.
/// Users see the interface's cache through <see cref="Interface.NeighborCache"/>, to read only.
/// </remarks>
public sealed class NeighborCache
{
    private readonly NeighborCacheOptions _options;
    private readonly NeighborTable<Ipv6Address, Entry> _table = new();

    /// <summary>Creates an empty cache.</summary>
    internal NeighborCache(NeighborCacheOptions? options = null) => _options = options ?? new NeighborCacheOptions();

    /// <summary>Number of entries, in any state.</summary>
    public int Count => _table.Entries.Count;

    /// <summary>Number of frames parked while their neighbours resolve.</summary>
    public int ParkedCount => _table.ParkedCount;

    /// <summary>The state of the entry for <paramref name="address"/> at <paramref name="now"/>, or null when there is none.</summary>
    public NeighborState? StateOf(Ipv6Address address, Instant now) =>
        _table.Entries.TryGetValue(address, out Entry? e) ? Age(e, now) : null;

    /// <summary>The MAC of <paramref name="address"/> when the entry has one (any state but INCOMPLETE).</summary>
    public bool TryLookup(Ipv6Address address, out EthernetAddress hardwareAddress)
    {
        if (_table.Entries.TryGetValue(address, out Entry? e) && e.State != NeighborState.Incomplete)
        {
            hardwareAddress = e.HardwareAddress;
            return true;
        }
        hardwareAddress = default;
        return false;
    }

    /// <summary>
    /// Sends <paramref name="frame"/> to <paramref name="address"/> (RFC 4861 §7.2.2, §7.3.3): at once when
    /// the MAC is known (a STALE entry enters DELAY), otherwise parks it and starts resolving. Takes ownership.
    /// </summary>
    internal void Send(Instant now, Ipv6Address address, PacketBuffer frame, INeighborCacheHost host)
    {
        if (!_table.Entries.TryGetValue(address, out Entry? e))
        {
            if (!MakeRoom(now))
            {
                host.Ipv6NeighborUnreachable(now, frame);
                return;
            }
            e = new Entry { State = NeighborState.Incomplete, NextTimerAt = now };
            _table.Entries[address] = e;
        }
        if (Age(e, now) == NeighborState.Stale)
        {
            // §7.3.3: the first time a STALE entry is used, it enters DELAY.
            e.State = NeighborState.Delay;
            e.NextTimerAt = now + _options.DelayFirstProbeTime;
        }
        if (e.State != NeighborState.Incomplete)
        {
            host.TransmitParkedIpv6(now, e.HardwareAddress, frame);
            return;
        }
        _table.Park(e, frame, _options.MaxParkedPerEntry, _options.MaxParkedTotal, host);
        if (e.SolicitationsSent == 0)
        {
            Solicit(now, address, e, host);
        }
    }

    /// <summary>
    /// Takes in a neighbor advertisement for <paramref name="target"/> (RFC 4861 §7.2.5). Without an entry it
    /// is ignored: an advertisement creates none.
    /// </summary>
    internal void Advertised(Instant now, Ipv6Address target, EthernetAddress? linkLayer, bool solicited, bool @override, INeighborCacheHost host)
    {
        if (!_table.Entries.TryGetValue(target, out Entry? e))
        {
            return;
        }
        if (e.State == NeighborState.Incomplete)
        {
            if (linkLayer is not { } mac)
            {
                return; // §7.2.5: no target link-layer address option: silently discard
            }
            Confirm(now, e, mac, solicited ? NeighborState.Reachable : NeighborState.Stale, host);
            return;
        }
        bool differs = linkLayer is { } l && l != e.HardwareAddress;
        if (!@override && differs)
        {
            // §7.2.5: a different address without O is not believed; a REACHABLE entry becomes STALE.
            if (Age(e, now) == NeighborState.Reachable)
            {
                e.State = NeighborState.Stale;
            }
            return;
        }
        if (linkLayer is { } newMac)
        {
            e.HardwareAddress = newMac;
        }
        if (solicited)
        {
            Confirm(now, e, e.HardwareAddress, NeighborState.Reachable, host);
        }
        else if (differs)
        {
            e.State = NeighborState.Stale;
        }
    }

    /// <summary>
    /// Learns <paramref name="address"/>'s MAC from a solicitation or other message carrying a source
    /// link-layer address option (RFC 4861 §7.2.3): a new entry is STALE, a changed one turns STALE, an
    /// INCOMPLETE one sends what it parked.
    /// </summary>
    internal void Learned(Instant now, Ipv6Address address, EthernetAddress linkLayer, INeighborCacheHost host)
    {
        if (!linkLayer.IsUnicast)
        {
            return;
        }
        if (!_table.Entries.TryGetValue(address, out Entry? e))
        {
            if (!MakeRoom(now))
            {
                return;
            }
            e = new Entry { State = NeighborState.Stale, HardwareAddress = linkLayer };
            _table.Entries[address] = e;
            return;
        }
        if (e.State == NeighborState.Incomplete || e.HardwareAddress != linkLayer)
        {
            Confirm(now, e, linkLayer, NeighborState.Stale, host);
        }
    }

    /// <summary>Sends due solicitations, moves DELAY to PROBE, and deletes entries whose neighbour did not answer.</summary>
    internal void Poll(Instant now, INeighborCacheHost host)
    {
        foreach (Ipv6Address address in _table.Due(now, static (e, now) => HasTimer(e) && e.NextTimerAt <= now))
        {
            Entry e = _table.Entries[address];
            if (e.State == NeighborState.Delay)
            {
                // §7.3.3: no confirmation within DELAY_FIRST_PROBE_TIME: probe with unicast solicitations.
                e.State = NeighborState.Probe;
                e.SolicitationsSent = 0;
            }
            int limit = e.State == NeighborState.Incomplete ? _options.MaxMulticastSolicit : _options.MaxUnicastSolicit;
            if (e.SolicitationsSent >= limit)
            {
                Fail(now, address, e, host);
            }
            else
            {
                Solicit(now, address, e, host);
            }
        }
    }

    /// <summary>The next instant <see cref="Poll"/> has work: a solicitation, a probe or a give-up.</summary>
    internal Instant? PollAt()
    {
        Instant? next = null;
        foreach (Entry e in _table.Entries.Values)
        {
            if (HasTimer(e))
            {
                next = Instant.Min(next, e.NextTimerAt);
            }
        }
        return next;
    }

    /// <summary>Drops every entry and parked frame.</summary>
    internal void Clear()
    {
        _table.Clear();
    }

    private static bool HasTimer(Entry e) => e.State is NeighborState.Incomplete or NeighborState.Delay or NeighborState.Probe;

    /// <summary>The entry's state, REACHABLE turned STALE once its ReachableTime has passed (§7.3.3).</summary>
    private static NeighborState Age(Entry e, Instant now)
    {
        if (e.State == NeighborState.Reachable && now >= e.ReachableUntil)
        {
            e.State = NeighborState.Stale;
        }
        return e.State;
    }

    private void Confirm(Instant now, Entry e, EthernetAddress mac, NeighborState state, INeighborCacheHost host)
    {
        e.HardwareAddress = mac;
        e.State = state;
        e.SolicitationsSent = 0;
        e.ReachableUntil = now + _options.ReachableTime;
        while (_table.TryUnpark(e, out PacketBuffer? frame))
        {
            host.TransmitParkedIpv6(now, mac, frame);
        }
    }

    private void Solicit(Instant now, Ipv6Address address, Entry e, INeighborCacheHost host)
    {
        e.SolicitationsSent++;
        e.NextTimerAt = now + _options.RetransTimer;
        host.SendNeighborSolicitation(now, address, e.State == NeighborState.Incomplete ? null : e.HardwareAddress);
    }

    private void Fail(Instant now, Ipv6Address address, Entry e, INeighborCacheHost host)
    {
        // §7.3.3: resolution or probing failed: delete the entry and report the parked packets (§7.2.2 ICMP unreachable).
        _table.Entries.Remove(address);
        while (_table.TryUnpark(e, out PacketBuffer? frame))
        {
            host.Ipv6NeighborUnreachable(now, frame);
        }
    }

    private bool MakeRoom(Instant now)
    {
        if (_table.Entries.Count < _options.MaxEntries)
        {
            return true;
        }
        // Evict a STALE entry, else the REACHABLE one closest to going stale; never one that is resolving.
        Ipv6Address? victim = null;
        Instant victimUntil = default;
        foreach ((Ipv6Address address, Entry e) in _table.Entries)
        {
            NeighborState state = Age(e, now);
            if (state == NeighborState.Stale)
            {
                victim = address;
                break;
            }
            if (state == NeighborState.Reachable && (victim is null || e.ReachableUntil < victimUntil))
            {
                victim = address;
                victimUntil = e.ReachableUntil;
            }
        }
        if (victim is null)
        {
            return false;
        }
        _table.Entries.Remove(victim.Value);
        return true;
    }

    private sealed class Entry : NeighborTable<Ipv6Address, Entry>.ParkingEntry
    {
        public NeighborState State;
        public EthernetAddress HardwareAddress;
        public Instant ReachableUntil;
        public Instant NextTimerAt;
        public int SolicitationsSent;
    }
}
