namespace Usrnet.Sockets.Dhcp;

/// <summary>
/// The lease on the same address was extended (a DHCPACK in RENEWING or REBINDING). The other parameters
/// may have changed; the configuration is complete, so the owner may apply it exactly as for
/// <see cref="DhcpConfigured"/>.
/// </summary>
/// <param name="At">When the client entered BOUND again.</param>
/// <param name="Configuration">The extended lease.</param>
public sealed record DhcpRenewed(Instant At, DhcpConfiguration Configuration) : DhcpEvent(At);
