namespace Usrnet.Wire;

/// <summary>IP protocol numbers (IANA "Assigned Internet Protocol Numbers"): the IPv4 Protocol and the IPv6 Next Header field.</summary>
public enum IpProtocol : byte
{
    /// <summary>ICMP, RFC 792.</summary>
    Icmp = 1,
    /// <summary>TCP, RFC 9293.</summary>
    Tcp = 6,
    /// <summary>UDP, RFC 768.</summary>
    Udp = 17,
    /// <summary>ICMPv6, RFC 4443 (Next Header 58, RFC 8200 §8.1).</summary>
    IcmpV6 = 58,
}
