using Usrnet.Phy;

namespace Usrnet.Iface;

/// <summary>
/// What the ARP cache and the IPv6 neighbour cache keep alike: entries by address, each with the frames
/// parked while it resolves, the count of parked frames across the table, and the walk that finds the
/// entries whose timer is due.
/// </summary>
/// <remarks>Ownership: parked frames belong to the table until its owner dequeues them (sent or unreachable) or <see cref="Clear"/> disposes them.</remarks>
internal sealed class NeighborTable<TAddress, TEntry>
    where TAddress : struct
    where TEntry : NeighborTable<TAddress, TEntry>.ParkingEntry
{
    private readonly List<TAddress> _due = [];

    /// <summary>The entries by address.</summary>
    public Dictionary<TAddress, TEntry> Entries { get; } = [];

    /// <summary>Frames parked across every entry.</summary>
    public int ParkedCount { get; set; }

    /// <summary>
    /// The addresses whose entries <paramref name="isDue"/> says have work at <paramref name="now"/>, collected
    /// first so the caller may change the table while it works through them. The list is reused by the next call.
    /// </summary>
    public List<TAddress> Due(Instant now, Func<TEntry, Instant, bool> isDue)
    {
        _due.Clear();
        foreach ((TAddress address, TEntry e) in Entries)
        {
            if (isDue(e, now))
            {
                _due.Add(address);
            }
        }
        return _due;
    }

    /// <summary>Parks <paramref name="frame"/> on <paramref name="entry"/> within the bounds (<see cref="ParkedFrames.Park"/>). Takes ownership.</summary>
    public void Park(TEntry entry, PacketBuffer frame, int maxPerEntry, int maxTotal, IParkedFrameHost host) =>
        ParkedCount = ParkedFrames.Park(entry.Parked, frame, ParkedCount, maxPerEntry, maxTotal, host);

    /// <summary>Takes the next parked frame of <paramref name="entry"/>, if any.</summary>
    public bool TryUnpark(TEntry entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PacketBuffer? frame)
    {
        if (entry.Parked.TryDequeue(out frame))
        {
            ParkedCount--;
            return true;
        }
        return false;
    }

    /// <summary>Drops every entry and disposes every parked frame.</summary>
    public void Clear()
    {
        foreach (TEntry e in Entries.Values)
        {
            ParkedFrames.DisposeAll(e.Parked);
        }
        ParkedCount = 0;
        Entries.Clear();
    }

    /// <summary>An entry's parked frames, which every entry type has.</summary>
    public abstract class ParkingEntry
    {
        /// <summary>Frames waiting for this neighbour, oldest first.</summary>
        public Queue<PacketBuffer> Parked { get; } = new();
    }
}
