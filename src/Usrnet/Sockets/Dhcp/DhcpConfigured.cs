namespace Usrnet.Sockets.Dhcp;

/// <summary>
/// The client is BOUND to a new address (first lease, or a renewal that changed it): the owner assigns
/// <see cref="Configuration"/>'s address and applies its router (and DNS servers, MTU, as it uses them).
/// </summary>
/// <param name="At">When the client entered BOUND.</param>
/// <param name="Configuration">The lease.</param>
public sealed record DhcpConfigured(Instant At, DhcpConfiguration Configuration) : DhcpEvent(At);
