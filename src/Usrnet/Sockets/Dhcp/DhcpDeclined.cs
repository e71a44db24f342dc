using Usrnet.Wire;

namespace Usrnet.Sockets.Dhcp;

/// <summary>
/// The address a server assigned answered the ARP probe, so the client sent DHCPDECLINE (RFC 2131 §4.4.1,
/// RFC 5227 §2.1.1) and will start over after a pause. Nothing was configured, so nothing is to undo.
/// </summary>
/// <param name="At">When the conflict was seen.</param>
/// <param name="Address">The declined address.</param>
/// <param name="ConflictingHardwareAddress">The MAC of the host that claimed it.</param>
public sealed record DhcpDeclined(Instant At, Ipv4Address Address, EthernetAddress ConflictingHardwareAddress) : DhcpEvent(At);
