using Usrnet.Sockets;
using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;

namespace Usrnet.Tests.Dhcp;

/// <summary>A DHCP message the client under test queued, with where it goes and when.</summary>
internal sealed record SentDhcp(Instant At, DhcpMessage Message, byte[] Bytes, Ipv4Endpoint Destination, Ipv4Address? Source)
{
    public DhcpMessageType? Type => Message.MessageType;

    public uint Xid => Message.TransactionId;

    public override string ToString() => $"{At} {Type} xid={Xid:x8} to {Destination} from {Source}";
}

/// <summary>An ARP frame the client under test sent (its probes).</summary>
internal sealed record SentArp(Instant At, EthernetHeader Ethernet, ArpHeader Arp);

/// <summary>
/// Drives one <see cref="DhcpClient"/> on virtual time through its sockets, with the test as the server:
/// <see cref="Deliver"/> hands it a reply as the interface would, <see cref="ExpectSent"/> takes what it
/// sent, <see cref="Advance"/> moves the clock, stopping at every instant the client asks to be polled.
/// The client is <see cref="DhcpFixtures.ClientMac"/>, the server <see cref="DhcpFixtures.Server"/>.
/// </summary>
internal sealed class DhcpHarness : IDisposable
{
    public static readonly Ipv4Address Mask24 = new(255, 255, 255, 0);
    public static readonly EthernetAddress OtherMac = EthernetAddress.Parse("02:00:00:00:00:99");

    /// <summary>The options tests run with unless they give their own: the fixtures' host name.</summary>
    public static readonly DhcpClientOptions DefaultOptions = new() { HostName = "labhost" };

    private readonly byte[] _buffer = new byte[2048];
    private int _taken;
    private int _probesTaken;
    private int _eventsTaken;

    public DhcpHarness(DhcpClientOptions? options = null, int seed = 1)
    {
        Client = new DhcpClient(Set, ClientMac, options ?? DefaultOptions, new Random(seed));
    }

    public SocketSet Set { get; } = new(new Random(7));

    public DhcpClient Client { get; }

    public Instant Now { get; set; } = Instant.FromSeconds(1000);

    /// <summary>Every message the client sent, in order.</summary>
    public List<SentDhcp> Sent { get; } = [];

    /// <summary>Every ARP frame the client sent, in order.</summary>
    public List<SentArp> Arp { get; } = [];

    /// <summary>Every event the client raised, in order.</summary>
    public List<DhcpEvent> Events { get; } = [];

    public UdpSocket Udp => Set.Udp.Single();

    /// <summary>The client's raw ARP socket; null when it is not probing.</summary>
    public RawEthernetSocket? ArpSocket => Set.RawEthernet.SingleOrDefault();

    public void Poll()
    {
        Client.Poll(Now);
        Collect();
        if (Client.PollAt(Now) is { } at && at <= Now)
        {
            throw new InvalidOperationException($"the client asks to be polled at {at} right after a poll at {Now}: it would spin");
        }
    }

    /// <summary>Moves the clock forward by <paramref name="duration"/>, polling at every instant the client asks for on the way.</summary>
    public void Advance(TimeSpan duration) => AdvanceTo(Now + duration);

    public void AdvanceTo(Instant end)
    {
        Poll();
        while (Client.PollAt(Now) is { } at && at <= end)
        {
            Now = at;
            Poll();
        }
        Now = end;
        Poll();
    }

    /// <summary>
    /// Advances until a message or event not yet taken is there (at once if one already is), at most
    /// <paramref name="limit"/>.
    /// </summary>
    public void AdvanceUntilActivity(TimeSpan limit)
    {
        Instant end = Now + limit;
        Poll();
        while (Sent.Count == _taken && Events.Count == _eventsTaken && Client.PollAt(Now) is { } at && at <= end)
        {
            Now = at;
            Poll();
        }
    }

    /// <summary>Hands the client a datagram from <paramref name="from"/> as the interface would, then polls it.</summary>
    public void Deliver(byte[] datagram, Ipv4Address? from = null, ushort port = DhcpMessage.ServerPort)
    {
        Assert.True(Udp.Deliver(new Ipv4Endpoint(from ?? Server, port), 64, datagram));
        Poll();
    }

    public void Deliver(DhcpMessage reply, Ipv4Address? from = null, ushort port = DhcpMessage.ServerPort)
    {
        byte[] bytes = new byte[reply.Length];
        reply.WriteTo(bytes);
        Deliver(bytes, from, port);
    }

    /// <summary>Hands the client's ARP socket a frame carrying <paramref name="arp"/>, then polls.</summary>
    public void DeliverArp(ArpHeader arp, EthernetAddress? destination = null)
    {
        RawEthernetSocket socket = ArpSocket ?? throw new InvalidOperationException("the client is not probing");
        byte[] frame = new byte[EthernetHeader.Length + ArpHeader.Length];
        new EthernetHeader(destination ?? EthernetAddress.Broadcast, arp.SenderHardwareAddress, EtherType.Arp).WriteTo(frame);
        arp.WriteTo(frame.AsSpan(EthernetHeader.Length));
        socket.Deliver(frame);
        Poll();
    }

    /// <summary>The one message sent since the last call, which must be of <paramref name="type"/>.</summary>
    public SentDhcp ExpectSent(DhcpMessageType type)
    {
        List<SentDhcp> fresh = TakeSent();
        Assert.True(fresh.Count == 1, $"expected one {type}, got: {string.Join("; ", fresh)}");
        Assert.Equal(type, fresh[0].Type);
        return fresh[0];
    }

    /// <summary>The messages sent since the last <see cref="ExpectSent"/> or <see cref="TakeSent"/>.</summary>
    public List<SentDhcp> TakeSent()
    {
        List<SentDhcp> fresh = Sent[_taken..];
        _taken = Sent.Count;
        return fresh;
    }

    public void ExpectNothingSent() => Assert.Empty(TakeSent());

    /// <summary>The probes sent since the last call.</summary>
    public List<SentArp> TakeProbes()
    {
        List<SentArp> fresh = Arp[_probesTaken..];
        _probesTaken = Arp.Count;
        return fresh;
    }

    /// <summary>The events raised since the last call.</summary>
    public List<DhcpEvent> TakeEvents()
    {
        List<DhcpEvent> fresh = Events[_eventsTaken..];
        _eventsTaken = Events.Count;
        return fresh;
    }

    /// <summary>The one event raised since the last call, which must be a <typeparamref name="T"/>.</summary>
    public T ExpectEvent<T>() where T : DhcpEvent
    {
        List<DhcpEvent> fresh = TakeEvents();
        Assert.True(fresh.Count == 1, $"expected one {typeof(T).Name}, got: {string.Join("; ", fresh)}");
        return Assert.IsType<T>(fresh[0]);
    }

    /// <summary>A DHCPOFFER from <see cref="DhcpFixtures.Server"/> of <see cref="DhcpFixtures.Leased"/>, as dnsmasq makes one.</summary>
    public static DhcpMessage Offer(uint xid) => Reply(xid, DhcpMessageType.Offer);

    /// <summary>A DHCPACK, by default a 120 s lease without T1 and T2.</summary>
    public static DhcpMessage Ack(uint xid, uint lease = 120, uint? t1 = null, uint? t2 = null) =>
        Reply(xid, DhcpMessageType.Ack) with { LeaseTime = lease, RenewalTime = t1, RebindingTime = t2 };

    public static DhcpMessage Nak(uint xid) => new()
    {
        Operation = DhcpOperation.BootReply,
        TransactionId = xid,
        Broadcast = true,
        ClientHardwareAddress = ClientMac,
        MessageType = DhcpMessageType.Nak,
        ServerIdentifier = Server,
        Message = "address not available",
    };

    /// <summary>
    /// What a plain server answers to <paramref name="request"/>: an offer of <paramref name="offered"/> for a
    /// DHCPDISCOVER, an ACK for a DHCPREQUEST (<see cref="Reply"/>'s options), for the request's client and
    /// with its BROADCAST flag; null for anything else (DHCPRELEASE, DHCPDECLINE).
    /// </summary>
    public static DhcpMessage? AnswerTo(DhcpMessage request, Ipv4Address offered)
    {
        DhcpMessageType? type = request.MessageType switch
        {
            DhcpMessageType.Discover => DhcpMessageType.Offer,
            DhcpMessageType.Request => DhcpMessageType.Ack,
            _ => null,
        };
        return type is { } t
            ? Reply(request.TransactionId, t) with
            {
                Broadcast = request.Broadcast,
                ClientAddress = request.ClientAddress,
                YourAddress = offered,
                ClientHardwareAddress = request.ClientHardwareAddress,
            }
            : null;
    }

    /// <summary>Where a server sends its answer to <paramref name="request"/> (RFC 2131 §4.1): broadcast when asked or when 'ciaddr' is unset, else to 'ciaddr'.</summary>
    public static Ipv4Address AnswerDestination(DhcpMessage request) =>
        request.Broadcast || request.ClientAddress.IsUnspecified ? Ipv4Address.Broadcast : request.ClientAddress;

    private static DhcpMessage Reply(uint xid, DhcpMessageType type) => new()
    {
        Operation = DhcpOperation.BootReply,
        TransactionId = xid,
        Broadcast = true,
        YourAddress = Leased,
        ClientHardwareAddress = ClientMac,
        MessageType = type,
        ServerIdentifier = Server,
        LeaseTime = 120,
        SubnetMask = Mask24,
        Router = Server,
        DomainNameServers = new[] { Server, new Ipv4Address(10, 0, 0, 53) },
        DomainName = "example.test",
        InterfaceMtu = 1400,
    };

    /// <summary>
    /// From the first poll to BOUND: DHCPDISCOVER, offer, DHCPREQUEST, <paramref name="ack"/> (default
    /// <see cref="Ack"/>), then the probes run out unanswered. Returns the configuration reported.
    /// </summary>
    public DhcpConfiguration Acquire(Func<uint, DhcpMessage>? ack = null)
    {
        Poll();
        SentDhcp discover = ExpectSent(DhcpMessageType.Discover);
        Deliver(Offer(discover.Xid));
        SentDhcp request = ExpectSent(DhcpMessageType.Request);
        Deliver((ack ?? (xid => Ack(xid)))(request.Xid));
        if (Client.State == DhcpState.Probing)
        {
            AdvanceUntilActivity(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(DhcpState.Bound, Client.State);
        TakeProbes();
        return ExpectEvent<DhcpConfigured>().Configuration;
    }

    public void Dispose() => Client.Dispose();

    private void Collect()
    {
        while (Udp.TryPeekOutgoing(out DatagramMetadata meta, out Span<byte> payload))
        {
            byte[] bytes = payload.ToArray();
            Udp.DequeueOutgoing();
            Assert.True(DhcpMessage.TryParse(bytes, out DhcpMessage message), "the client sent a message it cannot parse itself");
            Sent.Add(new SentDhcp(Now, message, bytes, meta.Remote, meta.Source));
        }
        if (ArpSocket is { } arp)
        {
            while (arp.TryPeekOutgoing(out Span<byte> frame))
            {
                Assert.True(EthernetHeader.TryParse(frame, out EthernetHeader ethernet));
                Assert.True(ArpHeader.TryParse(frame[EthernetHeader.Length..], out ArpHeader header));
                Assert.Equal(EthernetHeader.Length + ArpHeader.Length, frame.Length);
                arp.DequeueOutgoing();
                Arp.Add(new SentArp(Now, ethernet, header));
            }
        }
        while (Client.TakeEvent() is { } e)
        {
            Events.Add(e);
        }
    }
}
