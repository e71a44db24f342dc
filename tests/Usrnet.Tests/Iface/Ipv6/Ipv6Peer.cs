using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Tests.Phy;
using Usrnet.Wire;

namespace Usrnet.Tests.Iface.Ipv6;

/// <summary>
/// A stack with IPv6 on over the in-memory link, and the peer at the other end that writes IPv6 frames to it
/// and reads what it sends back.
/// </summary>
internal sealed class Ipv6Peer : IDisposable
{
    public static readonly EthernetAddress StackMac = EthernetAddress.Parse("02:00:00:00:00:01");
    public static readonly EthernetAddress PeerMac = EthernetAddress.Parse("02:00:00:00:00:02");
    public static readonly Ipv6Address StackLinkLocal = Ipv6Address.LinkLocalFromMac(StackMac);
    public static readonly Ipv6Address PeerLinkLocal = Ipv6Address.LinkLocalFromMac(PeerMac);

    private readonly IDevice _peer;

    public Ipv6Peer(InterfaceOptions? options = null)
    {
        MemoryLink.CreatePair(out IDevice stackEnd, out _peer);
        Stack = new Interface(stackEnd, (options ?? new InterfaceOptions()) with { HardwareAddress = StackMac, Ipv6Enabled = true, Seed = 1 });
    }

    public Interface Stack { get; }

    public Instant Now { get; set; } = Instant.FromSeconds(100);

    public void Dispose()
    {
        Stack.Dispose();
        _peer.Dispose();
    }

    /// <summary>Runs DAD to its end: the stack's link-local address is preferred afterwards.</summary>
    public void CompleteDad()
    {
        Stack.Poll(Now);
        Drain();
        Now += TimeSpan.FromSeconds(1);
        Stack.Poll(Now);
        Drain();
    }

    /// <summary>Sends a frame to the stack, polls it, and returns what it sent.</summary>
    public List<byte[]> Exchange(byte[] frame)
    {
        Assert.True(_peer.Transmit(Now, PacketBuffer.Copy(frame)));
        Stack.Poll(Now);
        return Drain();
    }

    /// <summary>Sends a frame to the stack, polls it, and drops what it sent; returns how many frames, allocating nothing itself.</summary>
    public int Bounce(ReadOnlySpan<byte> frame)
    {
        PacketBuffer buffer = PacketBuffer.Rent(frame.Length);
        frame.CopyTo(buffer.Span);
        Assert.True(_peer.Transmit(Now, buffer));
        Stack.Poll(Now);
        int count = 0;
        while (_peer.Receive(Now) is { } sent)
        {
            sent.Dispose();
            count++;
        }
        return count;
    }

    /// <summary>Polls the stack at <see cref="Now"/> and returns what it sent.</summary>
    public List<byte[]> PollAndDrain()
    {
        Stack.Poll(Now);
        return Drain();
    }

    public List<byte[]> Drain() => TestFrames.DrainBytes(_peer, Now);

    /// <summary>An IPv6 frame around <paramref name="payload"/> (already checksummed by the caller).</summary>
    public static byte[] Frame(EthernetAddress destinationMac, Ipv6Address source, Ipv6Address destination, IpProtocol next, ReadOnlySpan<byte> payload, byte hopLimit = 64)
    {
        byte[] frame = new byte[EthernetHeader.Length + Ipv6Header.Length + payload.Length];
        new EthernetHeader(destinationMac, PeerMac, EtherType.Ipv6).WriteTo(frame);
        new Ipv6Header(source, destination, next, payload.Length, hopLimit).WriteTo(frame.AsSpan(EthernetHeader.Length));
        payload.CopyTo(frame.AsSpan(EthernetHeader.Length + Ipv6Header.Length));
        return frame;
    }

    /// <summary>An ICMPv6 message with <paramref name="body"/> after its header, checksummed for its addresses.</summary>
    public static byte[] Icmp(IcmpV6Message header, Ipv6Address source, Ipv6Address destination, ReadOnlySpan<byte> body = default)
    {
        byte[] message = new byte[IcmpV6Message.HeaderLength + body.Length];
        body.CopyTo(message.AsSpan(IcmpV6Message.HeaderLength));
        header.WriteTo(message, source, destination);
        return message;
    }

    public static byte[] EchoRequest(Ipv6Address source, Ipv6Address destination, ushort sequence = 1, EthernetAddress? mac = null) =>
        Frame(mac ?? StackMac, source, destination, IpProtocol.IcmpV6, Icmp(IcmpV6Message.EchoRequest(7, sequence), source, destination, "ping6"u8));

    public static byte[] NeighborSolicitation(Ipv6Address source, Ipv6Address destination, Ipv6Address target, EthernetAddress? sourceLinkLayer, EthernetAddress mac, byte hopLimit = 255)
    {
        byte[] message = new byte[NdpWriter.MaxLength];
        int length = NdpWriter.WriteNeighborSolicitation(message, source, destination, target, sourceLinkLayer);
        return Frame(mac, source, destination, IpProtocol.IcmpV6, message.AsSpan(0, length), hopLimit);
    }

    public static byte[] NeighborAdvertisement(Ipv6Address source, Ipv6Address destination, Ipv6Address target, bool solicited, bool @override, EthernetAddress? targetLinkLayer, EthernetAddress mac)
    {
        byte[] message = new byte[NdpWriter.MaxLength];
        int length = NdpWriter.WriteNeighborAdvertisement(message, source, destination, target, router: false, solicited, @override, targetLinkLayer);
        return Frame(mac, source, destination, IpProtocol.IcmpV6, message.AsSpan(0, length), 255);
    }

    public static EthernetAddress SolicitedNodeMac(Ipv6Address address) => EthernetAddress.FromIpv6Multicast(Ipv6Address.SolicitedNode(address));

    /// <summary>The IPv6 view of a sent frame (asserting it is one).</summary>
    public static Ipv6Header Header(byte[] frame)
    {
        Assert.Equal(EtherType.Ipv6, (EtherType)((frame[12] << 8) | frame[13]));
        Assert.True(Ipv6Header.TryParse(frame.AsSpan(EthernetHeader.Length), out Ipv6Header header));
        return header;
    }

    public static ReadOnlySpan<byte> Payload(byte[] frame) => frame.AsSpan(EthernetHeader.Length + Ipv6Header.Length);

    public static EthernetAddress Destination(byte[] frame) => EthernetAddress.Read(frame);

    public static Ipv6Address Parse(string text)
    {
        Assert.True(Ipv6Address.TryParse(text, out Ipv6Address address), text);
        return address;
    }
}
