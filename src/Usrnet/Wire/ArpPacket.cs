using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view over an ARP packet for Ethernet and IPv4 (RFC 826), the only pairing this stack resolves.
/// </summary>
/// <remarks>
/// <code>
/// +--------------+--------------+------+------+-----------+
/// | htype (2)=1  | ptype 0x0800 | hlen | plen | oper (2)  |
/// +--------------+--------------+------+------+-----------+
/// | sender hardware address (6) | sender protocol addr (4)|
/// | target hardware address (6) | target protocol addr (4)|
/// +-----------------------------+-------------------------+
/// </code>
/// </remarks>
internal ref struct ArpPacket
{
    /// <summary>Length of an Ethernet/IPv4 ARP packet.</summary>
    public const int Length = 28;

    /// <summary>Hardware type for Ethernet (RFC 826; IANA ARP parameters).</summary>
    public const ushort HardwareTypeEthernet = 1;

    private readonly Span<byte> _buffer;

    private ArpPacket(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Creates a view when the buffer holds at least <see cref="Length"/> bytes (anything after is padding).</summary>
    public static bool TryCreate(Span<byte> buffer, out ArpPacket packet)
    {
        bool ok = buffer.Length >= Length;
        packet = ok ? new ArpPacket(buffer[..Length]) : default;
        return ok;
    }

    /// <summary>Hardware type.</summary>
    public ushort HardwareType { readonly get => BinaryPrimitives.ReadUInt16BigEndian(_buffer); set => BinaryPrimitives.WriteUInt16BigEndian(_buffer, value); }

    /// <summary>Protocol type (an EtherType).</summary>
    public EtherType ProtocolType { readonly get => (EtherType)BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]); set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)value); }

    /// <summary>Hardware address length.</summary>
    public byte HardwareLength { readonly get => _buffer[4]; set => _buffer[4] = value; }

    /// <summary>Protocol address length.</summary>
    public byte ProtocolLength { readonly get => _buffer[5]; set => _buffer[5] = value; }

    /// <summary>Opcode.</summary>
    public ArpOperation Operation { readonly get => (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]); set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], (ushort)value); }

    /// <summary>Sender hardware address.</summary>
    public EthernetAddress SenderHardwareAddress { readonly get => EthernetAddress.Read(_buffer[8..]); set => value.WriteTo(_buffer[8..]); }

    /// <summary>Sender protocol address.</summary>
    public Ipv4Address SenderProtocolAddress { readonly get => Ipv4Address.Read(_buffer[14..]); set => value.WriteTo(_buffer[14..]); }

    /// <summary>Target hardware address.</summary>
    public EthernetAddress TargetHardwareAddress { readonly get => EthernetAddress.Read(_buffer[18..]); set => value.WriteTo(_buffer[18..]); }

    /// <summary>Target protocol address.</summary>
    public Ipv4Address TargetProtocolAddress { readonly get => Ipv4Address.Read(_buffer[24..]); set => value.WriteTo(_buffer[24..]); }
}
