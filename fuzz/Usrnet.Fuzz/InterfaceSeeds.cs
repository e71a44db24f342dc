using System.Buffers.Binary;
using Usrnet.Fuzz.Targets;
using Usrnet.Wire;

namespace Usrnet.Fuzz;

/// <summary>
/// Writes seeds for the interface target that get past the state a fuzzer cannot guess: a whole TCP
/// connection to the listener (the stack's SYN-ACK read back for its sequence number), data and a FIN
/// on the connected socket, the DNS answer and the DHCP offer and ack that match what the stack sent,
/// fragments, and an ICMP error quoting the connection. Each is made against a <see cref="FuzzedStack"/>,
/// built as the target builds it, so the numbers match when the fuzzer replays them.
/// </summary>
internal static class InterfaceSeeds
{
    private const ushort PeerPort = 33000;
    private const uint PeerSequence = 5000;
    private static readonly Ipv4Address Leased = new(10, 0, 0, 181);

    /// <summary>Writes the seeds into <paramref name="directory"/>; returns how many.</summary>
    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        (string Name, Func<List<byte>> Make)[] seeds =
        [
            ("tcp-listener-echo", ListenerEcho),
            ("tcp-client-data", ClientData),
            ("udp-echo-and-closed-port", UdpEcho),
            ("dns-answer", DnsAnswer),
            ("dhcp-offer-ack", DhcpOfferAck),
            ("udp-fragments", Fragments),
            ("icmp-frag-needed-for-connection", IcmpFragmentationNeeded),
            ("ping-and-arp", PingAndArp),
        ];
        foreach ((string name, Func<List<byte>> make) in seeds)
        {
            File.WriteAllBytes(Path.Combine(directory, name), [.. make()]);
        }
        return seeds.Length;
    }

    private static List<byte> ListenerEcho()
    {
        using FuzzedStack stack = new(keepSent: true);
        List<byte> input = [];
        TcpOptions options = new() { MaximumSegmentSize = 1460, SackPermitted = true, Timestamps = (100, 0), WindowScale = 7 };
        byte[] syn = FrameBuilder.Tcp(Segment(PeerSequence, 0, TcpFlags.Syn) with { Options = options }, []);
        Feed(stack, input, syn);
        uint server = SequenceOfLastSegmentTo(stack, PeerPort);
        byte[] hello = "hello, stack\n"u8.ToArray();
        Feed(stack, input, FrameBuilder.Tcp(Segment(PeerSequence + 1, server + 1, TcpFlags.Ack), []));
        Feed(stack, input, FrameBuilder.Tcp(Segment(PeerSequence + 1, server + 1, TcpFlags.Ack | TcpFlags.Psh), hello));
        InvariantViolationException.Check(stack.Sent.Any(f => FrameBuilder.IsTcpTo(f, PeerPort) && f.Length > FrameBuilder.TcpOffset + 32),
            "the seed's connection to the listener was not echoed");
        uint afterData = PeerSequence + 1 + (uint)hello.Length;
        Feed(stack, input, FrameBuilder.Tcp(Segment(afterData, server + 1 + (uint)hello.Length, TcpFlags.Ack | TcpFlags.Fin), []));
        Feed(stack, input, FrameBuilder.Tcp(Segment(afterData + 1, server + 2 + (uint)hello.Length, TcpFlags.Ack), []), control: 9);
        return input;
    }

    private static List<byte> ClientData()
    {
        using FuzzedStack stack = new(keepSent: true);
        List<byte> input = [];
        uint peer = FuzzedStack.PeerInitialSequence + 1, client = stack.ClientInitialSequence + 1;
        byte[] data = "data for the client"u8.ToArray();
        Feed(stack, input, FrameBuilder.Tcp(ClientSegment(peer, client, TcpFlags.Ack | TcpFlags.Psh), data), control: InterfaceTarget.BulkWrite);
        peer += (uint)data.Length;
        Feed(stack, input, FrameBuilder.Tcp(ClientSegment(peer, client + 4096, TcpFlags.Ack), []), control: InterfaceTarget.ShutdownClient);
        Feed(stack, input, FrameBuilder.Tcp(ClientSegment(peer, client + 4097, TcpFlags.Ack | TcpFlags.Fin), []), control: 8);
        return input;
    }

    private static List<byte> UdpEcho()
    {
        using FuzzedStack stack = new(keepSent: true);
        List<byte> input = [];
        Feed(stack, input, FrameBuilder.Udp(4000, FuzzedStack.EchoPort, "echo me"u8, FuzzedStack.PeerAddress, FuzzedStack.StackAddress, FuzzedStack.StackMac));
        Feed(stack, input, FrameBuilder.Udp(4001, 9999, "nobody here"u8, FuzzedStack.PeerAddress, FuzzedStack.StackAddress, FuzzedStack.StackMac));
        Feed(stack, input, FrameBuilder.Udp(4002, FuzzedStack.EchoPort, "to everyone"u8, FuzzedStack.PeerAddress, Ipv4Address.Broadcast, EthernetAddress.Broadcast));
        return input;
    }

    private static List<byte> DnsAnswer()
    {
        using FuzzedStack stack = new(keepSent: true);
        List<byte> input = [];
        byte[] query = stack.Sent.Last(f => FrameBuilder.IsUdpTo(f, 53));
        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(FrameBuilder.TcpOffset));
        ReadOnlySpan<byte> question = query.AsSpan(FrameBuilder.TcpOffset + UdpHeader.Length);
        // The query with QR and RA set, one answer: the name as a pointer to the question (RFC 1035 §4.1.4), A 10.0.1.2, TTL 60.
        byte[] answer = [.. question, 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0, 4, 10, 0, 1, 2];
        answer[2] |= 0x80;
        answer[3] |= 0x80;
        answer[7] = 1;
        Feed(stack, input, FrameBuilder.Udp(53, sourcePort, answer, FuzzedStack.PeerAddress, FuzzedStack.StackAddress, FuzzedStack.StackMac));
        InvariantViolationException.Check(stack.Query.Addresses.Count == 1, "the seed's DNS answer was not taken");
        return input;
    }

    private static List<byte> DhcpOfferAck()
    {
        using FuzzedStack stack = new(keepSent: true);
        List<byte> input = [];
        Feed(stack, input, DhcpReply(stack, DhcpMessageType.Offer));
        Feed(stack, input, DhcpReply(stack, DhcpMessageType.Ack), control: 10);
        InvariantViolationException.Check(stack.Interface.Address?.Address == Leased, $"the seed's DHCP lease was not applied: {stack.Dhcp.State} {string.Join(" ", stack.Dhcp.Counters.All())} {string.Join(" ", stack.Interface.Counters.All())}");
        return input;
    }

    private static byte[] DhcpReply(FuzzedStack stack, DhcpMessageType type)
    {
        byte[] request = stack.Sent.Last(f => FrameBuilder.IsUdpTo(f, DhcpMessage.ServerPort));
        DhcpMessage.TryParse(request.AsSpan(FrameBuilder.TcpOffset + UdpHeader.Length), out DhcpMessage asked);
        DhcpMessage reply = new()
        {
            Operation = DhcpOperation.BootReply,
            TransactionId = asked.TransactionId,
            YourAddress = Leased,
            ClientHardwareAddress = FuzzedStack.StackMac,
            MessageType = type,
            ServerIdentifier = FuzzedStack.PeerAddress,
            LeaseTime = 120,
            RenewalTime = 60,
            RebindingTime = 105,
            SubnetMask = new Ipv4Address(255, 255, 255, 0),
            Router = FuzzedStack.PeerAddress,
            DomainNameServers = new[] { FuzzedStack.PeerAddress },
            DomainName = "example.test",
        };
        byte[] message = new byte[reply.Length];
        reply.WriteTo(message);
        return FrameBuilder.Udp(DhcpMessage.ServerPort, DhcpMessage.ClientPort, message, FuzzedStack.PeerAddress, Ipv4Address.Broadcast, EthernetAddress.Broadcast);
    }

    private static List<byte> Fragments()
    {
        using FuzzedStack stack = new(keepSent: true);
        List<byte> input = [];
        byte[] whole = FrameBuilder.Udp(4000, FuzzedStack.EchoPort, new byte[40], FuzzedStack.PeerAddress, FuzzedStack.StackAddress, FuzzedStack.StackMac);
        ReadOnlySpan<byte> payload = whole.AsSpan(FrameBuilder.TcpOffset); // 48 bytes of UDP: fragments of 16, 16, 16
        for (int offset = 0; offset < payload.Length; offset += 16)
        {
            byte[] fragment = new byte[FrameBuilder.TcpOffset + 16];
            whole.AsSpan(0, EthernetHeader.Length).CopyTo(fragment);
            new Ipv4Header(FuzzedStack.PeerAddress, FuzzedStack.StackAddress, IpProtocol.Udp, 16)
            {
                Identification = 0xBEEF,
                MoreFragments = offset + 16 < payload.Length,
                FragmentOffset = offset,
            }.WriteTo(fragment.AsSpan(EthernetHeader.Length));
            payload.Slice(offset, 16).CopyTo(fragment.AsSpan(FrameBuilder.TcpOffset));
            Feed(stack, input, fragment);
        }
        return input;
    }

    private static List<byte> IcmpFragmentationNeeded()
    {
        using FuzzedStack stack = new(keepSent: true);
        List<byte> input = [];
        uint peer = FuzzedStack.PeerInitialSequence + 1, client = stack.ClientInitialSequence + 1;
        Feed(stack, input, FrameBuilder.Tcp(ClientSegment(peer, client, TcpFlags.Ack), []), control: InterfaceTarget.BulkWrite);
        byte[] sent = stack.Sent.Last(f => FrameBuilder.IsTcpTo(f, FuzzedStack.ClientRemotePort));
        // RFC 792: the invoking header and the first 8 octets of its data; RFC 1191 §4: the next-hop MTU.
        ReadOnlySpan<byte> quote = sent.AsSpan(EthernetHeader.Length, Ipv4Header.Length + 8);
        Feed(stack, input, FrameBuilder.Icmp(IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.FragmentationNeeded, 576), quote), control: 7);
        return input;
    }

    private static List<byte> PingAndArp()
    {
        using FuzzedStack stack = new(keepSent: true);
        List<byte> input = [];
        Feed(stack, input, FrameBuilder.Arp(ArpOperation.Request, FuzzedStack.PeerMac, FuzzedStack.PeerAddress, default, FuzzedStack.StackAddress));
        Feed(stack, input, FrameBuilder.Icmp(IcmpV4Message.EchoRequest(0x4242, 1), "usrnet-ping!"u8));
        return input;
    }

    private static TcpHeader Segment(uint sequence, uint acknowledgment, TcpFlags flags) =>
        new(PeerPort, FuzzedStack.ListenPort, new TcpSeqNumber(sequence), new TcpSeqNumber(acknowledgment), flags, ushort.MaxValue);

    private static TcpHeader ClientSegment(uint sequence, uint acknowledgment, TcpFlags flags) =>
        new(FuzzedStack.ClientRemotePort, FuzzedStack.ClientLocalPort, new TcpSeqNumber(sequence), new TcpSeqNumber(acknowledgment), flags, ushort.MaxValue);

    private static uint SequenceOfLastSegmentTo(FuzzedStack stack, ushort port)
    {
        byte[] frame = stack.Sent.Last(f => FrameBuilder.IsTcpTo(f, port));
        return BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(FrameBuilder.TcpOffset + 4));
    }

    /// <summary>Delivers <paramref name="frame"/> as the target would and appends it to the seed.</summary>
    private static void Feed(FuzzedStack stack, List<byte> input, byte[] frame, byte control = 0)
    {
        InterfaceTarget.AppendRecord(input, frame, control);
        InterfaceTarget.Step(stack, frame, control);
    }
}
