namespace Usrnet.Iface;

/// <summary>Bounds and timers of IPv4 and IPv6 fragment reassembly (the bounds hold for each family apart).</summary>
public sealed record ReassemblyOptions
{
    /// <summary>
    /// How long a partial datagram waits for its missing fragments (30 s, as Linux's
    /// <c>ipfrag_time</c>; RFC 791 suggests 15 s as a lower bound, RFC 1122 §3.3.2 allows 60–120 s).
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a partial IPv6 packet waits from its first-arriving fragment: 60 s, as RFC 8200 §4.5 says
    /// (Linux's <c>ip6frag_time</c> too).
    /// </summary>
    public TimeSpan Ipv6Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Datagrams reassembled at once; a new one evicts the oldest. Bounds memory at this × 64 KiB.</summary>
    public int MaxDatagrams { get; init; } = 16;

    /// <summary>Fragments one datagram may arrive in; more and the datagram is dropped.</summary>
    public int MaxFragmentsPerDatagram { get; init; } = 64;
}
