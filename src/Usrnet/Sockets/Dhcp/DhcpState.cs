namespace Usrnet.Sockets.Dhcp;

/// <summary>The states of a DHCP client (RFC 2131 §4.4, Figure 5), plus the address check and a stopped client.</summary>
public enum DhcpState
{
    /// <summary>INIT: about to broadcast DHCPDISCOVER (after a random start delay, a DHCPNAK or a DHCPDECLINE, perhaps later).</summary>
    Init,
    /// <summary>SELECTING: DHCPDISCOVER sent, waiting for a DHCPOFFER.</summary>
    Selecting,
    /// <summary>REQUESTING: DHCPREQUEST for an offer sent, waiting for DHCPACK or DHCPNAK.</summary>
    Requesting,
    /// <summary>
    /// Between DHCPACK and BOUND: checking with ARP probes that nobody uses the address (RFC 2131 §4.4.1,
    /// RFC 5227 §2.1); a conflict makes the client send DHCPDECLINE and start over.
    /// </summary>
    Probing,
    /// <summary>BOUND: the lease is in use until T1.</summary>
    Bound,
    /// <summary>RENEWING: past T1, unicasting DHCPREQUEST to the server that granted the lease.</summary>
    Renewing,
    /// <summary>REBINDING: past T2, broadcasting DHCPREQUEST to any server.</summary>
    Rebinding,
    /// <summary>INIT-REBOOT: about to verify a remembered address.</summary>
    InitReboot,
    /// <summary>REBOOTING: DHCPREQUEST for the remembered address broadcast, waiting for DHCPACK or DHCPNAK.</summary>
    Rebooting,
    /// <summary><see cref="DhcpClient.Release"/> was called: the client sends nothing more.</summary>
    Stopped,
}
