using Usrnet.Wire;

namespace Usrnet.Sockets.Dhcp;

/// <summary>
/// What a DHCPACK granted (RFC 2131 §3.1, RFC 2132): the address and what the interface's owner applies
/// with it, and the lease's timers. Durations are from the DHCPACK after RFC 2131 §4.4.5's defaults
/// and sanity checks (T1 ≤ T2 ≤ lease); all three are null for an infinite lease.
/// </summary>
/// <param name="Address">The address with the prefix of the subnet mask (option 1).</param>
/// <param name="Router">The first (preferred) router of option 3, or null.</param>
/// <param name="DnsServers">Option 6, in order of preference; empty without it.</param>
/// <param name="DomainName">Option 15, or null.</param>
/// <param name="Mtu">Option 26, or null.</param>
/// <param name="ServerIdentifier">The server that granted the lease (option 54): renewals are unicast to it.</param>
/// <param name="LeaseTime">Option 51; null when infinite.</param>
/// <param name="RenewalTime">T1: when to start renewing, from <paramref name="ObtainedAt"/>; null when the lease is infinite.</param>
/// <param name="RebindingTime">T2: when to start rebinding, from <paramref name="ObtainedAt"/>; null when the lease is infinite.</param>
/// <param name="ObtainedAt">
/// When the DHCPREQUEST that got this DHCPACK was first sent: RFC 2131 §4.4.1 counts the lease from
/// there, so the client's idea of expiry is never later than the server's.
/// </param>
public sealed record DhcpConfiguration(
    Ipv4Cidr Address,
    Ipv4Address? Router,
    IReadOnlyList<Ipv4Address> DnsServers,
    string? DomainName,
    int? Mtu,
    Ipv4Address ServerIdentifier,
    TimeSpan? LeaseTime,
    TimeSpan? RenewalTime,
    TimeSpan? RebindingTime,
    Instant ObtainedAt)
{
    /// <summary>When the client enters RENEWING; null for an infinite lease.</summary>
    public Instant? RenewAt => RenewalTime is { } t ? ObtainedAt + t : null;

    /// <summary>When the client enters REBINDING; null for an infinite lease.</summary>
    public Instant? RebindAt => RebindingTime is { } t ? ObtainedAt + t : null;

    /// <summary>When the lease ends and the address must go; null for an infinite lease.</summary>
    public Instant? ExpiresAt => LeaseTime is { } t ? ObtainedAt + t : null;

    /// <summary>
    /// The default gateway to use: <see cref="Router"/> when it is on the leased subnet and not our own
    /// address (the interface routes through on-link gateways only), else null.
    /// </summary>
    public Ipv4Address? Gateway => Router is { } r && Address.Contains(r) && r != Address.Address ? r : null;
}
