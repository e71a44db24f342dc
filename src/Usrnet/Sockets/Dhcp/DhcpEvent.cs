namespace Usrnet.Sockets.Dhcp;

/// <summary>
/// Something the owner of the interface acts on, taken with <see cref="DhcpClient.TakeEvent"/>:
/// <see cref="DhcpConfigured"/> and <see cref="DhcpRenewed"/> (apply the configuration),
/// <see cref="DhcpDeconfigured"/> (remove the address), <see cref="DhcpDeclined"/> (for the record).
/// The client never changes the interface itself.
/// </summary>
/// <param name="At">When it happened.</param>
public abstract record DhcpEvent(Instant At);
