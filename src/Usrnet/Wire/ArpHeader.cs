namespace Usrnet.Wire;

/// <summary>The fields of an Ethernet/IPv4 ARP packet (RFC 826).</summary>
/// <param name="Operation">Request or reply.</param>
/// <param name="SenderHardwareAddress">Sender MAC.</param>
/// <param name="SenderProtocolAddress">Sender IPv4 address.</param>
/// <param name="TargetHardwareAddress">Target MAC (zero in a request).</param>
/// <param name="TargetProtocolAddress">Target IPv4 address.</param>
internal readonly record struct ArpHeader(
    ArpOperation Operation,
    EthernetAddress SenderHardwareAddress,
    Ipv4Address SenderProtocolAddress,
    EthernetAddress TargetHardwareAddress,
    Ipv4Address TargetProtocolAddress)
{
    /// <summary>Length on the wire.</summary>
    public const int Length = ArpPacket.Length;

    /// <summary>
    /// Reads an ARP packet; false when it is short or not Ethernet/IPv4 (hardware type 1, protocol
    /// 0x0800, lengths 6 and 4) or its opcode is neither request nor reply.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out ArpHeader header)
    {
        header = default;
        if (!ArpPacket.TryCreate(buffer, out ArpPacket p)
            || p.HardwareType != ArpPacket.HardwareTypeEthernet
            || p.ProtocolType != EtherType.Ipv4
            || p.HardwareLength != EthernetAddress.Length
            || p.ProtocolLength != Ipv4Address.Length
            || p.Operation is not (ArpOperation.Request or ArpOperation.Reply))
        {
            return false;
        }
        header = new ArpHeader(p.Operation, p.SenderHardwareAddress, p.SenderProtocolAddress, p.TargetHardwareAddress, p.TargetProtocolAddress);
        return true;
    }

    /// <summary>Writes the packet to the first <see cref="Length"/> bytes of <paramref name="buffer"/>.</summary>
    public void WriteTo(Span<byte> buffer)
    {
        if (!ArpPacket.TryCreate(buffer, out ArpPacket p))
        {
            throw new ArgumentException("buffer shorter than an ARP packet", nameof(buffer));
        }
        p.HardwareType = ArpPacket.HardwareTypeEthernet;
        p.ProtocolType = EtherType.Ipv4;
        p.HardwareLength = EthernetAddress.Length;
        p.ProtocolLength = Ipv4Address.Length;
        p.Operation = Operation;
        p.SenderHardwareAddress = SenderHardwareAddress;
        p.SenderProtocolAddress = SenderProtocolAddress;
        p.TargetHardwareAddress = TargetHardwareAddress;
        p.TargetProtocolAddress = TargetProtocolAddress;
    }
}
