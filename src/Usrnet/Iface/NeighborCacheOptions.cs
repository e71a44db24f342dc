namespace Usrnet.Iface;

/// <summary>Timers and bounds of the <see cref="NeighborCache"/> (RFC 4861 §10 protocol constants).</summary>
public sealed record NeighborCacheOptions
{
    /// <summary>How long a neighbour stays REACHABLE after a confirmation (RFC 4861 §10 REACHABLE_TIME, 30 s).</summary>
    public TimeSpan ReachableTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time between two solicitations for one address (RFC 4861 §10 RETRANS_TIMER, 1 s).</summary>
    public TimeSpan RetransTimer { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a used STALE entry waits in DELAY before probing (RFC 4861 §10 DELAY_FIRST_PROBE_TIME, 5 s).</summary>
    public TimeSpan DelayFirstProbeTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Multicast solicitations sent while INCOMPLETE before giving up (RFC 4861 §10 MAX_MULTICAST_SOLICIT, 3).</summary>
    public int MaxMulticastSolicit { get; init; } = 3;

    /// <summary>Unicast solicitations sent in PROBE before giving up (RFC 4861 §10 MAX_UNICAST_SOLICIT, 3).</summary>
    public int MaxUnicastSolicit { get; init; } = 3;

    /// <summary>Packets parked for one INCOMPLETE entry (RFC 4861 §7.2.2 asks for at least one; the oldest makes room).</summary>
    public int MaxParkedPerEntry { get; init; } = 64;

    /// <summary>Packets parked across all INCOMPLETE entries, for the same reason as <see cref="ArpCacheOptions.MaxParkedTotal"/>.</summary>
    public int MaxParkedTotal { get; init; } = 1024;

    /// <summary>Entries in the cache; when full, a STALE entry or the one closest to going stale makes room.</summary>
    public int MaxEntries { get; init; } = 512;
}
