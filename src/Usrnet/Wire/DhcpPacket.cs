using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view over a DHCP message (RFC 2131 §2): the fixed BOOTP fields, the magic cookie and the options
/// area. <see cref="TryCreate"/> checks the length and the cookie once; every accessor is then in bounds.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+---------------+---------------+
/// |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
/// +---------------+---------------+---------------+---------------+
/// |                            xid (4)                            |
/// +-------------------------------+-------------------------------+
/// |           secs (2)            |           flags (2)           |
/// +-------------------------------+-------------------------------+
/// |                          ciaddr  (4)                          |
/// +---------------------------------------------------------------+
/// |                          yiaddr  (4)                          |
/// +---------------------------------------------------------------+
/// |                          siaddr  (4)                          |
/// +---------------------------------------------------------------+
/// |                          giaddr  (4)                          |
/// +---------------------------------------------------------------+
/// |                          chaddr  (16)                         |
/// +---------------------------------------------------------------+
/// |                          sname   (64)                         |
/// +---------------------------------------------------------------+
/// |                          file    (128)                        |
/// +---------------------------------------------------------------+
/// |                 magic cookie 99.130.83.99 (4)                 |
/// +---------------------------------------------------------------+
/// |                          options (variable)                   |
/// +---------------------------------------------------------------+
/// </code>
/// </remarks>
internal ref struct DhcpPacket
{
    /// <summary>Length of the fixed fields and the magic cookie: where the options begin.</summary>
    public const int OptionsOffset = 240;

    /// <summary>
    /// The shortest message a client sends: BOOTP's 300 octets (RFC 951: 236 fixed octets and a 64-octet
    /// 'vend' field), which some relays and servers still require; the options area is padded up to it.
    /// </summary>
    public const int MinClientLength = 300;

    /// <summary>The magic cookie 99.130.83.99 that starts the options area (RFC 2131 §3, RFC 1497).</summary>
    public const uint MagicCookie = 0x6382_5363;

    /// <summary>htype for Ethernet (RFC 1700 "Hardware Type": 1, as ARP's).</summary>
    public const byte HardwareTypeEthernet = 1;

    /// <summary>The BROADCAST bit of 'flags' (RFC 2131 §2, Figure 2).</summary>
    public const ushort BroadcastFlag = 0x8000;

    /// <summary>Length of the 'chaddr' field.</summary>
    public const int ClientHardwareAddressLength = 16;

    /// <summary>Length of the 'sname' field.</summary>
    public const int ServerNameLength = 64;

    /// <summary>Length of the 'file' field.</summary>
    public const int BootFileLength = 128;

    private const int ChaddrOffset = 28;
    private const int SnameOffset = ChaddrOffset + ClientHardwareAddressLength;
    private const int FileOffset = SnameOffset + ServerNameLength;
    private const int CookieOffset = FileOffset + BootFileLength;

    private readonly Span<byte> _buffer;

    private DhcpPacket(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Creates a view when the buffer holds the fixed fields and the magic cookie is in place.</summary>
    public static bool TryCreate(Span<byte> buffer, out DhcpPacket packet)
    {
        bool ok = buffer.Length >= OptionsOffset && BinaryPrimitives.ReadUInt32BigEndian(buffer[CookieOffset..]) == MagicCookie;
        packet = ok ? new DhcpPacket(buffer) : default;
        return ok;
    }

    /// <summary>
    /// Clears the first <see cref="OptionsOffset"/> bytes of <paramref name="buffer"/>, writes the magic
    /// cookie and returns a view to fill in.
    /// </summary>
    /// <exception cref="ArgumentException">The buffer is shorter than <see cref="OptionsOffset"/>.</exception>
    public static DhcpPacket Create(Span<byte> buffer)
    {
        if (buffer.Length < OptionsOffset)
        {
            throw new ArgumentException("buffer shorter than the fixed DHCP fields", nameof(buffer));
        }
        buffer[..CookieOffset].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(buffer[CookieOffset..], MagicCookie);
        return new DhcpPacket(buffer);
    }

    /// <summary>op: request or reply; any byte as received.</summary>
    public DhcpOperation Operation { readonly get => (DhcpOperation)_buffer[0]; set => _buffer[0] = (byte)value; }

    /// <summary>htype: hardware address type.</summary>
    public byte HardwareType { readonly get => _buffer[1]; set => _buffer[1] = value; }

    /// <summary>hlen: hardware address length.</summary>
    public byte HardwareLength { readonly get => _buffer[2]; set => _buffer[2] = value; }

    /// <summary>hops: set by relay agents; clients send 0.</summary>
    public byte Hops { readonly get => _buffer[3]; set => _buffer[3] = value; }

    /// <summary>xid: the transaction ID the client chose, to match replies with requests.</summary>
    public uint TransactionId { readonly get => BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]); set => BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], value); }

    /// <summary>secs: seconds since the client began acquisition or renewal.</summary>
    public ushort Seconds { readonly get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[8..]); set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[8..], value); }

    /// <summary>flags: only <see cref="BroadcastFlag"/> is defined; the rest MUST be zero.</summary>
    public ushort Flags { readonly get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[10..]); set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[10..], value); }

    /// <summary>ciaddr: the client's address, only when it can answer ARP for it (BOUND, RENEWING, REBINDING).</summary>
    public Ipv4Address ClientAddress { readonly get => Ipv4Address.Read(_buffer[12..]); set => value.WriteTo(_buffer[12..]); }

    /// <summary>yiaddr: "your" address, the one the server offers or assigns.</summary>
    public Ipv4Address YourAddress { readonly get => Ipv4Address.Read(_buffer[16..]); set => value.WriteTo(_buffer[16..]); }

    /// <summary>siaddr: the next server for bootstrap (TFTP), not the DHCP server's identifier.</summary>
    public Ipv4Address NextServerAddress { readonly get => Ipv4Address.Read(_buffer[20..]); set => value.WriteTo(_buffer[20..]); }

    /// <summary>giaddr: the relay agent's address, 0 without one.</summary>
    public Ipv4Address RelayAgentAddress { readonly get => Ipv4Address.Read(_buffer[24..]); set => value.WriteTo(_buffer[24..]); }

    /// <summary>The first six bytes of chaddr: the client's MAC when htype is Ethernet and hlen 6.</summary>
    public EthernetAddress ClientHardwareAddress { readonly get => EthernetAddress.Read(_buffer[ChaddrOffset..]); set => value.WriteTo(_buffer[ChaddrOffset..]); }

    /// <summary>sname: server host name, or more options when overloaded (RFC 2132 §9.3).</summary>
    public readonly Span<byte> ServerName => _buffer.Slice(SnameOffset, ServerNameLength);

    /// <summary>file: boot file name, or more options when overloaded (RFC 2132 §9.3).</summary>
    public readonly Span<byte> BootFile => _buffer.Slice(FileOffset, BootFileLength);

    /// <summary>Everything after the magic cookie: options, END and padding.</summary>
    public readonly Span<byte> Options => _buffer[OptionsOffset..];
}
