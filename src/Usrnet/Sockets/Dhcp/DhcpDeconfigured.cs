using Usrnet.Wire;

namespace Usrnet.Sockets.Dhcp;

/// <summary>
/// The address may no longer be used (RFC 2131 §4.4.5): the owner removes it, and the router with it.
/// The client is back in INIT and looks for a new lease.
/// </summary>
/// <param name="At">When the lease was lost.</param>
/// <param name="Address">The address to remove.</param>
/// <param name="Reason">Why.</param>
public sealed record DhcpDeconfigured(Instant At, Ipv4Cidr Address, DhcpDeconfigureReason Reason) : DhcpEvent(At);
