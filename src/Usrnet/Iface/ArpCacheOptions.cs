namespace Usrnet.Iface;

/// <summary>Timers and bounds of the <see cref="ArpCache"/>.</summary>
public sealed record ArpCacheOptions
{
    /// <summary>How long a learned address is used before it is resolved again (60 s).</summary>
    public TimeSpan EntryLifetime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Least time between two requests for one address (1 s: RFC 1122 §2.3.2.1 asks for at most one
    /// per second per destination).
    /// </summary>
    public TimeSpan RequestInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests sent for one address before giving up (3).</summary>
    public int MaxRequests { get; init; } = 3;

    /// <summary>
    /// Packets parked per unresolved address; beyond it the oldest is dropped to park the newest (RFC 1122
    /// §2.3.2.2 asks to keep at least the latest one).
    /// </summary>
    public int MaxParkedPerEntry { get; init; } = 64;

    /// <summary>
    /// Packets parked across all unresolved addresses (1024: about 2 MiB of frame buffers at MTU 1500). Without
    /// it a flood of SYNs from on-link addresses that never answer ARP parks a reply per SYN, up to
    /// <see cref="MaxEntries"/> × <see cref="MaxParkedPerEntry"/> frames (64 MiB). When it is reached, an
    /// address that already holds packets trades its oldest for the newest, and one that holds none parks
    /// nothing (its ARP request still goes out, so a retransmission finds the neighbour resolved).
    /// </summary>
    public int MaxParkedTotal { get; init; } = 1024;

    /// <summary>Entries in the cache; when full, the oldest entry that is not resolving makes room.</summary>
    public int MaxEntries { get; init; } = 512;
}
