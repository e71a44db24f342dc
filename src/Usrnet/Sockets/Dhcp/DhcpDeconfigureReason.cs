namespace Usrnet.Sockets.Dhcp;

/// <summary>Why a lease was lost.</summary>
public enum DhcpDeconfigureReason
{
    /// <summary>The lease time passed with no DHCPACK in RENEWING or REBINDING.</summary>
    LeaseExpired,
    /// <summary>A server answered the renewal with DHCPNAK (RFC 2131 §4.4.5: stop using the address at once).</summary>
    Nak,
}
