namespace Usrnet.Wire;

/// <summary>The DHCP message types of option 53 (RFC 2132 §9.6, RFC 2131 §3).</summary>
internal enum DhcpMessageType : byte
{
    /// <summary>DHCPDISCOVER: a client looks for servers.</summary>
    Discover = 1,
    /// <summary>DHCPOFFER: a server offers parameters.</summary>
    Offer = 2,
    /// <summary>DHCPREQUEST: a client asks for offered parameters, verifies them, or extends a lease.</summary>
    Request = 3,
    /// <summary>DHCPDECLINE: a client reports the address is already in use.</summary>
    Decline = 4,
    /// <summary>DHCPACK: a server commits the parameters.</summary>
    Ack = 5,
    /// <summary>DHCPNAK: a server refuses (wrong network, or the lease expired).</summary>
    Nak = 6,
    /// <summary>DHCPRELEASE: a client gives its address back.</summary>
    Release = 7,
    /// <summary>DHCPINFORM: a client with an address asks for other parameters only.</summary>
    Inform = 8,
}
