namespace Usrnet.Wire;

/// <summary>IPv4 protocol numbers (IANA "Assigned Internet Protocol Numbers").</summary>
public enum IpProtocol : byte
{
    /// <summary>ICMP, RFC 792.</summary>
    Icmp = 1,
    /// <summary>TCP, RFC 9293.</summary>
    Tcp = 6,
    /// <summary>UDP, RFC 768.</summary>
    Udp = 17,
}
