using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// The fields of a DHCP message (RFC 2131 §2) and the options this stack reads and writes (RFC 2132),
/// for Ethernet hardware addresses only. <see cref="TryParse"/> reads a message a server or client sent;
/// <see cref="WriteTo"/> writes one.
/// </summary>
/// <remarks>
/// <para>Parsing never throws. It allocates only for what it finds of the list and text options (DNS
/// servers, names, the message text, client identifier and parameter request list): DHCP is a few
/// messages a minute, never a hot path.</para>
/// <para>Options are read from the options area, then, when option 52 says so, from 'file' and then
/// 'sname' (RFC 2131 §4.1). An option that runs past its area makes the message malformed; an option of
/// a known code with the wrong length is ignored; when a code appears twice the last one wins (RFC 3396
/// concatenation is not done: none of the options read here is that long).</para>
/// <para><see cref="WriteTo"/> writes options in a fixed order (53, 54, 50, 51, 58, 59, 1, 3, 6, 15, 26,
/// 61, 57, 12, 55, 56), then END, and pads a message to <see cref="DhcpPacket.MinClientLength"/>.</para>
/// <para>Equality compares the list options element by element.</para>
/// </remarks>
internal readonly record struct DhcpMessage
{
    /// <summary>op.</summary>
    public DhcpOperation Operation { get; init; }

    /// <summary>hops.</summary>
    public byte Hops { get; init; }

    /// <summary>xid.</summary>
    public uint TransactionId { get; init; }

    /// <summary>secs.</summary>
    public ushort Seconds { get; init; }

    /// <summary>The BROADCAST flag: the client cannot receive unicast before it has an address (RFC 2131 §4.1).</summary>
    public bool Broadcast { get; init; }

    /// <summary>ciaddr.</summary>
    public Ipv4Address ClientAddress { get; init; }

    /// <summary>yiaddr.</summary>
    public Ipv4Address YourAddress { get; init; }

    /// <summary>siaddr: the next bootstrap server (not the DHCP server: see <see cref="ServerIdentifier"/>).</summary>
    public Ipv4Address NextServerAddress { get; init; }

    /// <summary>giaddr.</summary>
    public Ipv4Address RelayAgentAddress { get; init; }

    /// <summary>chaddr: the client's MAC.</summary>
    public EthernetAddress ClientHardwareAddress { get; init; }

    /// <summary>Option 53; null in a plain BOOTP message.</summary>
    public DhcpMessageType? MessageType { get; init; }

    /// <summary>Option 1.</summary>
    public Ipv4Address? SubnetMask { get; init; }

    /// <summary>Option 3: the first (most preferred) router of the list.</summary>
    public Ipv4Address? Router { get; init; }

    /// <summary>Option 6, in order of preference; empty without it.</summary>
    public ReadOnlyMemory<Ipv4Address> DomainNameServers { get; init; }

    /// <summary>Option 12.</summary>
    public string? HostName { get; init; }

    /// <summary>Option 15.</summary>
    public string? DomainName { get; init; }

    /// <summary>Option 26.</summary>
    public ushort? InterfaceMtu { get; init; }

    /// <summary>Option 50.</summary>
    public Ipv4Address? RequestedAddress { get; init; }

    /// <summary>Option 51, in seconds; <see cref="InfiniteLease"/> means forever.</summary>
    public uint? LeaseTime { get; init; }

    /// <summary>Option 54: the server's address, the one clients name in DHCPREQUEST and unicast to.</summary>
    public Ipv4Address? ServerIdentifier { get; init; }

    /// <summary>Option 55: the option codes the client asks for; empty without it.</summary>
    public ReadOnlyMemory<byte> ParameterRequestList { get; init; }

    /// <summary>Option 56.</summary>
    public string? Message { get; init; }

    /// <summary>Option 57.</summary>
    public ushort? MaximumMessageSize { get; init; }

    /// <summary>Option 58 (T1), in seconds.</summary>
    public uint? RenewalTime { get; init; }

    /// <summary>Option 59 (T2), in seconds.</summary>
    public uint? RebindingTime { get; init; }

    /// <summary>Option 61: type octet and identifier; empty without it.</summary>
    public ReadOnlyMemory<byte> ClientIdentifier { get; init; }

    /// <summary>A lease time of 0xffffffff: infinite (RFC 2132 §9.2).</summary>
    public const uint InfiniteLease = uint.MaxValue;

    /// <summary>Client and server UDP ports (RFC 2131 §4.1).</summary>
    public const ushort ServerPort = 67;

    /// <summary>The client's UDP port (RFC 2131 §4.1).</summary>
    public const ushort ClientPort = 68;

    /// <summary>Bytes <see cref="WriteTo"/> writes: the fixed fields, options, END, padded to 300.</summary>
    public int Length => Math.Max(DhcpPacket.MinClientLength, DhcpPacket.OptionsOffset + OptionsLength + 1);

    private int OptionsLength
    {
        get
        {
            int n = 0;
            n += MessageType.HasValue ? DhcpOptionWriter.SizeOf(1) : 0;
            n += ServerIdentifier.HasValue ? DhcpOptionWriter.SizeOf(Ipv4Address.Length) : 0;
            n += RequestedAddress.HasValue ? DhcpOptionWriter.SizeOf(Ipv4Address.Length) : 0;
            n += LeaseTime.HasValue ? DhcpOptionWriter.SizeOf(4) : 0;
            n += RenewalTime.HasValue ? DhcpOptionWriter.SizeOf(4) : 0;
            n += RebindingTime.HasValue ? DhcpOptionWriter.SizeOf(4) : 0;
            n += SubnetMask.HasValue ? DhcpOptionWriter.SizeOf(Ipv4Address.Length) : 0;
            n += Router.HasValue ? DhcpOptionWriter.SizeOf(Ipv4Address.Length) : 0;
            n += DomainNameServers.IsEmpty ? 0 : DhcpOptionWriter.SizeOf(DomainNameServers.Length * Ipv4Address.Length);
            n += DomainName is null ? 0 : DhcpOptionWriter.SizeOf(DomainName.Length);
            n += InterfaceMtu.HasValue ? DhcpOptionWriter.SizeOf(2) : 0;
            n += ClientIdentifier.IsEmpty ? 0 : DhcpOptionWriter.SizeOf(ClientIdentifier.Length);
            n += MaximumMessageSize.HasValue ? DhcpOptionWriter.SizeOf(2) : 0;
            n += HostName is null ? 0 : DhcpOptionWriter.SizeOf(HostName.Length);
            n += ParameterRequestList.IsEmpty ? 0 : DhcpOptionWriter.SizeOf(ParameterRequestList.Length);
            n += Message is null ? 0 : DhcpOptionWriter.SizeOf(Message.Length);
            return n;
        }
    }

    /// <summary>
    /// Parses a message: false when it is shorter than the fixed fields, lacks the magic cookie, is neither
    /// request nor reply, is not for an Ethernet address (htype 1, hlen 6), or has an option that runs
    /// past its area. A missing END is accepted.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out DhcpMessage message)
    {
        message = default;
        if (!DhcpPacket.TryCreate(buffer, out DhcpPacket packet)
            || packet.Operation is not (DhcpOperation.BootRequest or DhcpOperation.BootReply)
            || packet.HardwareType != DhcpPacket.HardwareTypeEthernet
            || packet.HardwareLength != EthernetAddress.Length)
        {
            return false;
        }
        DhcpMessage parsed = new()
        {
            Operation = packet.Operation,
            Hops = packet.Hops,
            TransactionId = packet.TransactionId,
            Seconds = packet.Seconds,
            Broadcast = (packet.Flags & DhcpPacket.BroadcastFlag) != 0,
            ClientAddress = packet.ClientAddress,
            YourAddress = packet.YourAddress,
            NextServerAddress = packet.NextServerAddress,
            RelayAgentAddress = packet.RelayAgentAddress,
            ClientHardwareAddress = packet.ClientHardwareAddress,
        };
        if (!ReadArea(packet.Options, ref parsed, out byte overload))
        {
            return false;
        }
        // RFC 2131 §4.1: 'options' first (it holds option 52), then 'file', then 'sname'. Option 52 inside
        // an overloaded field is not followed again.
        const byte FileOverloaded = 1, SnameOverloaded = 2;
        if ((overload & FileOverloaded) != 0 && !ReadArea(packet.BootFile, ref parsed, out _))
        {
            return false;
        }
        if ((overload & SnameOverloaded) != 0 && !ReadArea(packet.ServerName, ref parsed, out _))
        {
            return false;
        }
        message = parsed;
        return true;
    }

    /// <summary>Writes the message, <see cref="Length"/> bytes, to the start of <paramref name="buffer"/>.</summary>
    /// <exception cref="ArgumentException">The buffer is too short, or a list or text option does not fit in one option.</exception>
    public void WriteTo(Span<byte> buffer)
    {
        int length = Length;
        if (buffer.Length < length)
        {
            throw new ArgumentException("buffer shorter than the DHCP message", nameof(buffer));
        }
        DhcpPacket packet = DhcpPacket.Create(buffer);
        packet.Operation = Operation;
        packet.HardwareType = DhcpPacket.HardwareTypeEthernet;
        packet.HardwareLength = EthernetAddress.Length;
        packet.Hops = Hops;
        packet.TransactionId = TransactionId;
        packet.Seconds = Seconds;
        packet.Flags = Broadcast ? DhcpPacket.BroadcastFlag : (ushort)0;
        packet.ClientAddress = ClientAddress;
        packet.YourAddress = YourAddress;
        packet.NextServerAddress = NextServerAddress;
        packet.RelayAgentAddress = RelayAgentAddress;
        packet.ClientHardwareAddress = ClientHardwareAddress;

        Span<byte> area = buffer[DhcpPacket.OptionsOffset..length];
        area.Clear();
        DhcpOptionWriter w = new(area);
        if (MessageType is { } type)
        {
            w.Write(DhcpOptionCode.MessageType, (byte)type);
        }
        WriteIfSet(ref w, DhcpOptionCode.ServerIdentifier, ServerIdentifier);
        WriteIfSet(ref w, DhcpOptionCode.RequestedIpAddress, RequestedAddress);
        WriteIfSet(ref w, DhcpOptionCode.IpAddressLeaseTime, LeaseTime);
        WriteIfSet(ref w, DhcpOptionCode.RenewalTimeValue, RenewalTime);
        WriteIfSet(ref w, DhcpOptionCode.RebindingTimeValue, RebindingTime);
        WriteIfSet(ref w, DhcpOptionCode.SubnetMask, SubnetMask);
        WriteIfSet(ref w, DhcpOptionCode.Router, Router);
        if (!DomainNameServers.IsEmpty)
        {
            w.Write(DhcpOptionCode.DomainNameServer, DomainNameServers.Span);
        }
        WriteText(ref w, DhcpOptionCode.DomainName, DomainName);
        if (InterfaceMtu is { } mtu)
        {
            w.Write(DhcpOptionCode.InterfaceMtu, mtu);
        }
        if (!ClientIdentifier.IsEmpty)
        {
            w.Write(DhcpOptionCode.ClientIdentifier, ClientIdentifier.Span);
        }
        if (MaximumMessageSize is { } size)
        {
            w.Write(DhcpOptionCode.MaximumMessageSize, size);
        }
        WriteText(ref w, DhcpOptionCode.HostName, HostName);
        if (!ParameterRequestList.IsEmpty)
        {
            w.Write(DhcpOptionCode.ParameterRequestList, ParameterRequestList.Span);
        }
        WriteText(ref w, DhcpOptionCode.Message, Message);
        w.WriteEnd();
    }

    /// <inheritdoc/>
    public bool Equals(DhcpMessage other) =>
        Operation == other.Operation && Hops == other.Hops && TransactionId == other.TransactionId && Seconds == other.Seconds
        && Broadcast == other.Broadcast && ClientAddress == other.ClientAddress && YourAddress == other.YourAddress
        && NextServerAddress == other.NextServerAddress && RelayAgentAddress == other.RelayAgentAddress
        && ClientHardwareAddress == other.ClientHardwareAddress && MessageType == other.MessageType
        && SubnetMask == other.SubnetMask && Router == other.Router
        && DomainNameServers.Span.SequenceEqual(other.DomainNameServers.Span)
        && HostName == other.HostName && DomainName == other.DomainName && InterfaceMtu == other.InterfaceMtu
        && RequestedAddress == other.RequestedAddress && LeaseTime == other.LeaseTime && ServerIdentifier == other.ServerIdentifier
        && ParameterRequestList.Span.SequenceEqual(other.ParameterRequestList.Span) && Message == other.Message
        && MaximumMessageSize == other.MaximumMessageSize && RenewalTime == other.RenewalTime && RebindingTime == other.RebindingTime
        && ClientIdentifier.Span.SequenceEqual(other.ClientIdentifier.Span);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TransactionId, MessageType, ClientHardwareAddress, YourAddress);

    /// <summary>Reads one options area into <paramref name="message"/>; false when an option runs past it.</summary>
    private static bool ReadArea(ReadOnlySpan<byte> area, ref DhcpMessage message, out byte overload)
    {
        overload = 0;
        DhcpOptionReader reader = new(area);
        while (reader.TryReadNext(out DhcpOptionCode code, out ReadOnlySpan<byte> data))
        {
            switch (code)
            {
                case DhcpOptionCode.MessageType when data.Length == 1:
                    message = message with { MessageType = (DhcpMessageType)data[0] };
                    break;
                case DhcpOptionCode.OptionOverload when data.Length == 1 && data[0] is >= 1 and <= 3:
                    overload = data[0];
                    break;
                case DhcpOptionCode.SubnetMask when data.Length == Ipv4Address.Length:
                    message = message with { SubnetMask = Ipv4Address.Read(data) };
                    break;
                case DhcpOptionCode.Router when data.Length >= Ipv4Address.Length && data.Length % Ipv4Address.Length == 0:
                    message = message with { Router = Ipv4Address.Read(data) };
                    break;
                case DhcpOptionCode.DomainNameServer when data.Length >= Ipv4Address.Length && data.Length % Ipv4Address.Length == 0:
                    message = message with { DomainNameServers = ReadAddresses(data) };
                    break;
                case DhcpOptionCode.HostName when HasText(data):
                    message = message with { HostName = ReadText(data) };
                    break;
                case DhcpOptionCode.DomainName when HasText(data):
                    message = message with { DomainName = ReadText(data) };
                    break;
                case DhcpOptionCode.InterfaceMtu when data.Length == 2:
                    message = message with { InterfaceMtu = BinaryPrimitives.ReadUInt16BigEndian(data) };
                    break;
                case DhcpOptionCode.RequestedIpAddress when data.Length == Ipv4Address.Length:
                    message = message with { RequestedAddress = Ipv4Address.Read(data) };
                    break;
                case DhcpOptionCode.IpAddressLeaseTime when data.Length == 4:
                    message = message with { LeaseTime = BinaryPrimitives.ReadUInt32BigEndian(data) };
                    break;
                case DhcpOptionCode.ServerIdentifier when data.Length == Ipv4Address.Length:
                    message = message with { ServerIdentifier = Ipv4Address.Read(data) };
                    break;
                case DhcpOptionCode.ParameterRequestList when data.Length > 0:
                    message = message with { ParameterRequestList = data.ToArray() };
                    break;
                case DhcpOptionCode.Message when HasText(data):
                    message = message with { Message = ReadText(data) };
                    break;
                case DhcpOptionCode.MaximumMessageSize when data.Length == 2:
                    message = message with { MaximumMessageSize = BinaryPrimitives.ReadUInt16BigEndian(data) };
                    break;
                case DhcpOptionCode.RenewalTimeValue when data.Length == 4:
                    message = message with { RenewalTime = BinaryPrimitives.ReadUInt32BigEndian(data) };
                    break;
                case DhcpOptionCode.RebindingTimeValue when data.Length == 4:
                    message = message with { RebindingTime = BinaryPrimitives.ReadUInt32BigEndian(data) };
                    break;
                case DhcpOptionCode.ClientIdentifier when data.Length >= 2:
                    message = message with { ClientIdentifier = data.ToArray() };
                    break;
                default:
                    break; // RFC 2131 §4.1 / RFC 2132: an option the receiver does not use is skipped
            }
        }
        return !reader.IsMalformed;
    }

    private static Ipv4Address[] ReadAddresses(ReadOnlySpan<byte> data)
    {
        Ipv4Address[] addresses = new Ipv4Address[data.Length / Ipv4Address.Length];
        for (int i = 0; i < addresses.Length; i++)
        {
            addresses[i] = Ipv4Address.Read(data[(i * Ipv4Address.Length)..]);
        }
        return addresses;
    }

    /// <summary>
    /// A text option holds at least one octet that is not a NUL: one of NULs only is what
    /// <see cref="ReadText"/> would make an empty string, which no option can carry (RFC 2132 §2: length
    /// at least 1), so it is ignored like any known option of the wrong length.
    /// </summary>
    private static bool HasText(ReadOnlySpan<byte> data) => data.IndexOfAnyExcept((byte)0) >= 0;

    /// <summary>
    /// Text options are NVT ASCII (RFC 2132 §2). Some servers NUL-terminate them anyway, so trailing NULs
    /// are cut; any byte that is not printable ASCII becomes '?', so a name never carries control characters
    /// to a log or a terminal.
    /// </summary>
    private static string ReadText(ReadOnlySpan<byte> data)
    {
        int end = data.Length;
        while (end > 0 && data[end - 1] == 0)
        {
            end--;
        }
        return string.Create(end, data[..end], static (chars, bytes) =>
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : '?';
            }
        });
    }

    private static void WriteText(ref DhcpOptionWriter w, DhcpOptionCode code, string? text)
    {
        if (text is null)
        {
            return;
        }
        if (text.Length is 0 or > byte.MaxValue)
        {
            throw new ArgumentException($"option {(byte)code}: text of {text.Length} characters (1 to 255)", nameof(text));
        }
        Span<byte> bytes = stackalloc byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            bytes[i] = text[i] is >= ' ' and < (char)0x7F ? (byte)text[i] : (byte)'?';
        }
        w.Write(code, bytes);
    }

    private static void WriteIfSet(ref DhcpOptionWriter w, DhcpOptionCode code, Ipv4Address? address)
    {
        if (address is { } a)
        {
            w.Write(code, a);
        }
    }

    private static void WriteIfSet(ref DhcpOptionWriter w, DhcpOptionCode code, uint? value)
    {
        if (value is { } v)
        {
            w.Write(code, v);
        }
    }
}
