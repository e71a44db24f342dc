using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets;
using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;

namespace Usrnet.Tests.Dhcp;

/// <summary>
/// The client on a real <see cref="Interface"/>, over an in-memory link to a second interface that runs a
/// minimal DHCP server on a UDP socket: what the interface does with 0.0.0.0, 255.255.255.255 and no
/// address, the owner applying the events, ARP probes seen by a real neighbour, renewal by unicast.
/// </summary>
public sealed class DhcpOverInterfaceTests : IDisposable
{
    private static readonly EthernetAddress ServerMac = EthernetAddress.Parse("02:00:00:00:00:02");

    private readonly Interface _client;
    private readonly Interface _server;
    private readonly UdpSocket _serverSocket;
    private readonly List<(Ipv4Endpoint From, DhcpMessage Message)> _received = [];
    private readonly byte[] _buffer = new byte[2048];
    private Instant _now = Instant.FromSeconds(500);

    public DhcpOverInterfaceTests()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        _client = new Interface(a, new InterfaceOptions { HardwareAddress = ClientMac, Seed = 1 });
        _server = new Interface(b, new InterfaceOptions { HardwareAddress = ServerMac, Address = new Ipv4Cidr(Server, 24), Seed = 2 });
        _serverSocket = _server.Sockets.CreateUdpSocket();
        _serverSocket.Bind(DhcpMessage.ServerPort);
    }

    /// <summary>The address the server hands out.</summary>
    private Ipv4Address Offered { get; set; } = Leased;

    [Fact]
    public void TheClientLeasesWithoutAnAddressThenRenewsByUnicastFromTheLeasedOne()
    {
        using DhcpClient dhcp = new(_client.Sockets, ClientMac, new DhcpClientOptions(), new Random(1));
        List<DhcpEvent> events = [];

        Run(dhcp, events, TimeSpan.FromSeconds(20));

        DhcpConfigured bound = Assert.IsType<DhcpConfigured>(Assert.Single(events));
        Assert.Equal(new Ipv4Cidr(Leased, 24), _client.Address);
        Assert.Equal(Server, _client.Gateway);
        Assert.Equal(
            [(DhcpMessageType.Discover, Ipv4Address.Any), (DhcpMessageType.Request, Ipv4Address.Any)],
            _received.Select(r => (r.Message.MessageType!.Value, r.From.Address)));
        Assert.All(_received, r => Assert.Equal(DhcpMessage.ClientPort, r.From.Port));
        // The probes went out as broadcasts the server's interface saw, and it did not claim the address.
        Assert.Equal(3, dhcp.Counters.ProbesSent);

        _received.Clear();
        Run(dhcp, events, bound.Configuration.RenewalTime!.Value);

        // At T1: unicast from the leased address (resolving the server's MAC first), answered by unicast.
        Assert.Equal([(DhcpMessageType.Request, Leased)], _received.Select(r => (r.Message.MessageType!.Value, r.From.Address)));
        Assert.Equal(Leased, _received[0].Message.ClientAddress);
        Assert.IsType<DhcpRenewed>(events[^1]);
        Assert.Equal(DhcpState.Bound, dhcp.State);
        Assert.Equal(0, _client.Counters.DroppedNoRoute + _client.Counters.DroppedNeighborUnreachable);
    }

    [Fact]
    public void MessagesBeforeTheLeaseLeaveFromTheUnspecifiedAddressEvenIfTheInterfaceHasOne()
    {
        _client.SetAddress(new Ipv4Cidr(new Ipv4Address(10, 0, 0, 50), 24)); // an owner that kept a stale address
        using DhcpClient dhcp = new(_client.Sockets, ClientMac, new DhcpClientOptions { ProbeCount = 0 }, new Random(1));

        Run(dhcp, [], TimeSpan.FromSeconds(1));

        Assert.Equal([Ipv4Address.Any, Ipv4Address.Any], _received.Select(r => r.From.Address));
    }

    [Fact]
    public void ANeighbourOwningTheAddressAnswersTheProbeAndTheClientDeclines()
    {
        Offered = Server; // the server hands out its own address: its interface answers the probe
        using DhcpClient dhcp = new(_client.Sockets, ClientMac, new DhcpClientOptions(), new Random(1));
        List<DhcpEvent> events = [];

        Run(dhcp, events, TimeSpan.FromSeconds(5));

        DhcpDeclined declined = Assert.IsType<DhcpDeclined>(Assert.Single(events));
        Assert.Equal(Server, declined.Address);
        Assert.Equal(ServerMac, declined.ConflictingHardwareAddress);
        Assert.Null(_client.Address);
        (Ipv4Endpoint from, DhcpMessage decline) = _received[^1];
        Assert.Equal(DhcpMessageType.Decline, decline.MessageType);
        Assert.Equal(Ipv4Address.Any, from.Address);
        Assert.Equal(Server, decline.RequestedAddress);
    }

    [Fact]
    public void AUdpSocketCanSendFromAnExplicitSource()
    {
        _client.SetAddress(new Ipv4Cidr(new Ipv4Address(10, 0, 0, 50), 24));
        using UdpSocket socket = _client.Sockets.CreateUdpSocket();
        socket.Bind(5000);

        Assert.True(socket.TrySendTo("a"u8, new Ipv4Endpoint(Ipv4Address.Broadcast, 67), Ipv4Address.Any));
        Assert.True(socket.TrySendTo("b"u8, new Ipv4Endpoint(Ipv4Address.Broadcast, 67)));
        Assert.Throws<ArgumentException>(() => socket.TrySendTo("c"u8, new Ipv4Endpoint(Server, 67), Ipv4Address.Broadcast));
        PollBoth();

        List<Ipv4Address> sources = [];
        while (_serverSocket.TryReceiveFrom(_buffer, out _, out Ipv4Endpoint from))
        {
            sources.Add(from.Address);
        }
        Assert.Equal([Ipv4Address.Any, new Ipv4Address(10, 0, 0, 50)], sources);
    }

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }

    /// <summary>Runs both interfaces, the client and the server for <paramref name="duration"/> of virtual time, the owner applying events.</summary>
    private void Run(DhcpClient dhcp, List<DhcpEvent> events, TimeSpan duration)
    {
        Instant end = _now + duration;
        while (true)
        {
            for (int i = 0; i < 100; i++)
            {
                bool progress = PollBoth();
                dhcp.Poll(_now);
                while (dhcp.TakeEvent() is { } e)
                {
                    events.Add(e);
                    _client.Apply(e);
                }
                progress |= Serve();
                if (!progress && dhcp.PollAt(_now) != _now && _client.PollAt(_now) != _now)
                {
                    break;
                }
            }
            Instant? next = Instant.Min(Instant.Min(dhcp.PollAt(_now), _client.PollAt(_now)), _server.PollAt(_now));
            if (next is not { } at || at > end)
            {
                break;
            }
            _now = at > _now ? at : _now + TimeSpan.FromMicroseconds(1);
        }
        _now = end;
    }

    private bool PollBoth() => _client.Poll(_now) | _server.Poll(_now);

    /// <summary>
    /// The server: an offer for a DHCPDISCOVER, an ACK for a DHCPREQUEST, broadcast when the client asked
    /// for it or has no 'ciaddr', unicast to 'ciaddr' otherwise (RFC 2131 §4.1).
    /// </summary>
    private bool Serve()
    {
        bool any = false;
        while (_serverSocket.TryReceiveFrom(_buffer, out int length, out Ipv4Endpoint from))
        {
            any = true;
            Assert.True(DhcpMessage.TryParse(_buffer.AsSpan(0, length), out DhcpMessage request));
            _received.Add((from, request));
            if (DhcpHarness.AnswerTo(request, Offered) is not { } reply)
            {
                continue;
            }
            byte[] bytes = new byte[reply.Length];
            reply.WriteTo(bytes);
            Assert.True(_serverSocket.TrySendTo(bytes, new Ipv4Endpoint(DhcpHarness.AnswerDestination(request), DhcpMessage.ClientPort)));
        }
        return any;
    }
}
