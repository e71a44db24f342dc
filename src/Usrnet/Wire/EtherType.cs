namespace Usrnet.Wire;

/// <summary>EtherType values (IEEE 802 numbers) the stack knows.</summary>
public enum EtherType : ushort
{
    /// <summary>IPv4, RFC 894.</summary>
    Ipv4 = 0x0800,
    /// <summary>ARP, RFC 826.</summary>
    Arp = 0x0806,
    /// <summary>IPv6, RFC 8200 (recognised only to be counted and dropped).</summary>
    Ipv6 = 0x86DD,
}
