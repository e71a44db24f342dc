namespace Usrnet.Iface;

/// <summary>The reachability state of a neighbour cache entry (RFC 4861 §7.3.2).</summary>
public enum NeighborState
{
    /// <summary>Address resolution is in progress: a multicast solicitation was sent, no answer yet.</summary>
    Incomplete,
    /// <summary>Positive confirmation arrived within the last ReachableTime.</summary>
    Reachable,
    /// <summary>No confirmation for ReachableTime, or the link-layer address was learned unsolicited; used, verified when next sent to.</summary>
    Stale,
    /// <summary>Sent to while STALE; waiting DELAY_FIRST_PROBE_TIME for an upper-layer hint before probing.</summary>
    Delay,
    /// <summary>Unicast solicitations are being sent to verify reachability.</summary>
    Probe,
}
