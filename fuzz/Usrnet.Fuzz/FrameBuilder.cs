using System.Buffers.Binary;
using Usrnet.Wire;

namespace Usrnet.Fuzz;

/// <summary>Frames from the peer (10.0.0.101, 02:00:00:00:00:02) to the stack, for the handshake and the seeds.</summary>
internal static class FrameBuilder
{
    /// <summary>Where the TCP header starts in a frame the stack sends (it writes no IPv4 options).</summary>
    public const int TcpOffset = EthernetHeader.Length + Ipv4Header.Length;

    private const int DestinationPortOffset = 2;

    public static byte[] Arp(ArpOperation operation, EthernetAddress senderMac, Ipv4Address sender, EthernetAddress targetMac, Ipv4Address target)
    {
        byte[] frame = new byte[EthernetHeader.Length + ArpHeader.Length];
        EthernetAddress destination = operation == ArpOperation.Request ? EthernetAddress.Broadcast : FuzzedStack.StackMac;
        new EthernetHeader(destination, FuzzedStack.PeerMac, EtherType.Arp).WriteTo(frame);
        new ArpHeader(operation, senderMac, sender, targetMac, target).WriteTo(frame.AsSpan(EthernetHeader.Length));
        return frame;
    }

    public static byte[] Tcp(TcpHeader header, ReadOnlySpan<byte> data)
    {
        byte[] frame = Ipv4(IpProtocol.Tcp, header.Length + data.Length, FuzzedStack.PeerAddress, FuzzedStack.StackAddress, FuzzedStack.StackMac);
        Span<byte> segment = frame.AsSpan(TcpOffset);
        data.CopyTo(segment[header.Length..]);
        header.WriteTo(segment, FuzzedStack.PeerAddress, FuzzedStack.StackAddress);
        return frame;
    }

    public static byte[] Udp(ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> data, Ipv4Address source, Ipv4Address destination, EthernetAddress destinationMac)
    {
        byte[] frame = Ipv4(IpProtocol.Udp, UdpHeader.Length + data.Length, source, destination, destinationMac);
        Span<byte> datagram = frame.AsSpan(TcpOffset);
        data.CopyTo(datagram[UdpHeader.Length..]);
        new UdpHeader(sourcePort, destinationPort).WriteTo(datagram, source, destination);
        return frame;
    }

    public static byte[] Icmp(IcmpV4Message message, ReadOnlySpan<byte> data)
    {
        byte[] frame = Ipv4(IpProtocol.Icmp, IcmpV4Message.HeaderLength + data.Length, FuzzedStack.PeerAddress, FuzzedStack.StackAddress, FuzzedStack.StackMac);
        Span<byte> icmp = frame.AsSpan(TcpOffset);
        data.CopyTo(icmp[IcmpV4Message.HeaderLength..]);
        message.WriteTo(icmp);
        return frame;
    }

    /// <summary>True when <paramref name="frame"/> is IPv4 carrying TCP to <paramref name="port"/>.</summary>
    public static bool IsTcpTo(byte[] frame, ushort port) => IsTransportTo(frame, IpProtocol.Tcp, port);

    /// <summary>True when <paramref name="frame"/> is IPv4 carrying UDP to <paramref name="port"/>.</summary>
    public static bool IsUdpTo(byte[] frame, ushort port) => IsTransportTo(frame, IpProtocol.Udp, port);

    private static bool IsTransportTo(byte[] frame, IpProtocol protocol, ushort port) =>
        frame.Length >= TcpOffset + UdpHeader.Length
        && BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) == (ushort)EtherType.Ipv4
        && frame[EthernetHeader.Length + 9] == (byte)protocol
        && BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(TcpOffset + DestinationPortOffset)) == port;

    private static byte[] Ipv4(IpProtocol protocol, int payloadLength, Ipv4Address source, Ipv4Address destination, EthernetAddress destinationMac)
    {
        byte[] frame = new byte[TcpOffset + payloadLength];
        new EthernetHeader(destinationMac, FuzzedStack.PeerMac, EtherType.Ipv4).WriteTo(frame);
        new Ipv4Header(source, destination, protocol, payloadLength).WriteTo(frame.AsSpan(EthernetHeader.Length));
        return frame;
    }
}
