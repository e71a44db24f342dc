namespace Usrnet.Wire;

/// <summary>The DHCP option codes this stack reads or writes (RFC 2132; IANA "BOOTP Vendor Extensions and DHCP Options").</summary>
internal enum DhcpOptionCode : byte
{
    /// <summary>Pad (RFC 2132 §3.1): one byte, no length; aligns what follows.</summary>
    Pad = 0,
    /// <summary>Subnet mask (RFC 2132 §3.3).</summary>
    SubnetMask = 1,
    /// <summary>Router: default gateways in order of preference (RFC 2132 §3.5).</summary>
    Router = 3,
    /// <summary>Domain name servers in order of preference (RFC 2132 §3.8).</summary>
    DomainNameServer = 6,
    /// <summary>The client's host name (RFC 2132 §3.14).</summary>
    HostName = 12,
    /// <summary>Domain name for resolving host names (RFC 2132 §3.17).</summary>
    DomainName = 15,
    /// <summary>Interface MTU (RFC 2132 §5.1).</summary>
    InterfaceMtu = 26,
    /// <summary>Requested IP address (RFC 2132 §9.1).</summary>
    RequestedIpAddress = 50,
    /// <summary>IP address lease time in seconds (RFC 2132 §9.2).</summary>
    IpAddressLeaseTime = 51,
    /// <summary>Option overload: options continue in 'file' (1), 'sname' (2) or both (3) (RFC 2132 §9.3).</summary>
    OptionOverload = 52,
    /// <summary>DHCP message type (RFC 2132 §9.6).</summary>
    MessageType = 53,
    /// <summary>Server identifier (RFC 2132 §9.7).</summary>
    ServerIdentifier = 54,
    /// <summary>Parameter request list (RFC 2132 §9.8).</summary>
    ParameterRequestList = 55,
    /// <summary>Message: text explaining a DHCPNAK or DHCPDECLINE (RFC 2132 §9.9).</summary>
    Message = 56,
    /// <summary>Maximum DHCP message size the sender accepts (RFC 2132 §9.10).</summary>
    MaximumMessageSize = 57,
    /// <summary>Renewal (T1) time value in seconds (RFC 2132 §9.11).</summary>
    RenewalTimeValue = 58,
    /// <summary>Rebinding (T2) time value in seconds (RFC 2132 §9.12).</summary>
    RebindingTimeValue = 59,
    /// <summary>Client identifier (RFC 2132 §9.14).</summary>
    ClientIdentifier = 61,
    /// <summary>End: the last option (RFC 2132 §3.2).</summary>
    End = 255,
}
