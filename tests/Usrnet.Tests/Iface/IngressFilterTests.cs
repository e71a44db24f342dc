using System.Net.Sockets;
using System.Reflection;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Tests.Phy;
using Usrnet.Wire;
using static Usrnet.Tests.Iface.IngressFixtures;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Iface;

/// <summary>
/// The interface's ingress rules, byte-exact: a scapy frame in, the exact frames out (or none), and the
/// one counter that says why (RFC 1122 §3.2.1.3 martian sources, RFC 7126 source routes, RFC 768 port 0).
/// </summary>
public sealed class IngressFilterTests : IDisposable
{
    private static readonly Instant Now = Instant.FromSeconds(100);

    private readonly IDevice _peer;
    private readonly Interface _stack;

    public IngressFilterTests()
    {
        MemoryLink.CreatePair(out IDevice stackEnd, out _peer);
        _stack = new Interface(stackEnd, new InterfaceOptions
        {
            HardwareAddress = StackMac,
            Address = new Ipv4Cidr(Stack, 24),
            Gateway = Gateway,
            Seed = 1,
        });
        // The first gratuitous ARP, then the gateway's request, so replies need no resolution; the second
        // announcement is due 2 s later, and the tests stay at Now.
        Assert.Equal(2, Exchange(GatewayArpRequest).Count);
    }

    public void Dispose()
    {
        _stack.Dispose();
        _peer.Dispose();
    }

    /// <summary>Every martian and source-routed frame with the counter that must take it.</summary>
    public static TheoryData<string, string> Dropped => new()
    {
        { nameof(LandSyn), nameof(InterfaceCounters.DroppedSourceOwnAddress) },
        { nameof(EchoFromOwnAddress), nameof(InterfaceCounters.DroppedSourceOwnAddress) },
        { nameof(EchoFromUnspecified), nameof(InterfaceCounters.DroppedSourceThisNetwork) },
        { nameof(EchoFromThisNetwork), nameof(InterfaceCounters.DroppedSourceThisNetwork) },
        { nameof(UdpFromUnspecifiedToAnotherPort), nameof(InterfaceCounters.DroppedSourceThisNetwork) },
        { nameof(EchoFromLoopback), nameof(InterfaceCounters.DroppedSourceLoopback) },
        { nameof(EchoFromClassE), nameof(InterfaceCounters.DroppedSourceReserved) },
        { nameof(EchoFromLimitedBroadcast), nameof(InterfaceCounters.DroppedSourceBroadcast) },
        { nameof(EchoFromSubnetBroadcast), nameof(InterfaceCounters.DroppedSourceBroadcast) },
        { nameof(EchoFromMulticast), nameof(InterfaceCounters.DroppedSourceMulticast) },
        { nameof(EchoWithCompletedLooseSourceRoute), nameof(InterfaceCounters.DroppedSourceRouted) },
        { nameof(EchoWithStrictSourceRoute), nameof(InterfaceCounters.DroppedSourceRouted) },
        { nameof(EchoWithZeroLengthOption), nameof(InterfaceCounters.DroppedMalformed) },
        { nameof(EchoWithOptionPastHeader), nameof(InterfaceCounters.DroppedMalformed) },
    };

    [Theory]
    [MemberData(nameof(Dropped))]
    public void AMartianOrSourceRoutedPacketIsDroppedUnansweredAndCountedOnce(string fixture, string counter)
    {
        using TcpListenSocket listener = _stack.Sockets.CreateTcpListenSocket();
        listener.Listen(7);
        using UdpSocket udp = _stack.Sockets.CreateUdpSocket();
        udp.Bind(69);

        Assert.Empty(Exchange(Fixture(fixture)));

        Dictionary<string, long> counters = _stack.Counters.All().ToDictionary();
        Assert.Equal(1, counters[counter]);
        Assert.Equal(1, _stack.Counters.TotalDropped);
        Assert.Equal(0, _stack.Counters.EchoRepliesSent + _stack.Counters.IcmpErrorsSent + _stack.Counters.TcpResetsSent);
        Assert.False(udp.CanReceive);
        Assert.False(listener.CanAccept);
    }

    [Fact]
    public void ALandSynDrawsNothingThenOrLater()
    {
        using TcpListenSocket listener = _stack.Sockets.CreateTcpListenSocket();
        listener.Listen(7);

        Assert.Empty(Exchange(LandSyn));
        // Before the filter the stack answered its own SYN-ACK through loopback until the half-open
        // connection timed out; now nothing is pending at all.
        for (int second = 1; second <= 10; second++)
        {
            _stack.Poll(Now + TimeSpan.FromSeconds(second));
        }

        Assert.DoesNotContain(TestFrames.DrainBytes(_peer, Now + TimeSpan.FromSeconds(10)), f => EtherTypeOf(f) == EtherType.Ipv4);
        Assert.Empty(_stack.Sockets.Tcp);
        Assert.Equal(1, _stack.Counters.DroppedSourceOwnAddress);
        Assert.Equal(0, _stack.Counters.DroppedMalformed);
    }

    [Fact]
    public void OurOwnTrafficToOurAddressStillLoopsBack()
    {
        using UdpSocket server = _stack.Sockets.CreateUdpSocket();
        server.Bind(7);
        using UdpSocket client = _stack.Sockets.CreateUdpSocket();

        Assert.True(client.TrySendTo("self"u8, new Ipv4Endpoint(Stack, 7)));
        _stack.Poll(Now);

        byte[] buffer = new byte[16];
        Assert.True(server.TryReceiveFrom(buffer, out int length, out Ipv4Endpoint from));
        Assert.Equal("self"u8.ToArray(), buffer[..length]);
        Assert.Equal(Stack, from.Address);
        Assert.Empty(TestFrames.DrainBytes(_peer, Now));
        Assert.Equal(0, _stack.Counters.TotalDropped);
    }

    [Fact]
    public void AnEchoRequestWithRecordRouteIsStillAnswered()
    {
        List<byte[]> sent = Exchange(EchoWithRecordRoute);

        // The reply carries the request's identifier, sequence and data, and no options.
        Assert.Equal(RecordRouteEchoReply, Convert.ToHexStringLower(Assert.Single(sent)));
        Assert.Equal(1, _stack.Counters.EchoRepliesSent);
        Assert.Equal(0, _stack.Counters.TotalDropped);
    }

    [Fact]
    public void DhcpFromTheUnspecifiedAddressReachesTheServerPort()
    {
        using UdpSocket server = _stack.Sockets.CreateUdpSocket();
        server.Bind(DhcpMessage.ServerPort);

        Assert.Empty(Exchange(DhcpFromUnspecified));

        byte[] buffer = new byte[16];
        Assert.True(server.TryReceiveFrom(buffer, out int length, out Ipv4Endpoint from));
        Assert.Equal("bootp"u8.ToArray(), buffer[..length]);
        Assert.Equal(new Ipv4Endpoint(Ipv4Address.Any, DhcpMessage.ClientPort), from);
        Assert.Equal(0, _stack.Counters.TotalDropped);
    }

    [Fact]
    public void UdpFromSourcePortZeroIsDeliveredButCannotBeAnswered()
    {
        using UdpSocket server = _stack.Sockets.CreateUdpSocket();
        server.Bind(7);

        Assert.Empty(Exchange(UdpFromSourcePortZero));

        byte[] buffer = new byte[64];
        Assert.True(server.TryReceiveFrom(buffer, out int length, out Ipv4Endpoint from));
        Assert.Equal("no reply expected"u8.ToArray(), buffer[..length]);
        Assert.Equal(new Ipv4Endpoint(Gateway, 0), from);
        // As Linux's sendto: EINVAL, the SocketException a server loop already handles.
        SocketException refused = Assert.Throws<SocketException>(() => server.TrySendTo(buffer.AsSpan(0, length), from));
        Assert.Equal(SocketError.InvalidArgument, refused.SocketErrorCode);
        _stack.Poll(Now);
        Assert.Empty(TestFrames.DrainBytes(_peer, Now));
        Assert.Equal(0, _stack.Counters.TotalDropped);
    }

    [Fact]
    public void UdpFromSourcePortZeroToAClosedPortDrawsPortUnreachable()
    {
        byte[] error = Assert.Single(Exchange(UdpFromSourcePortZero));

        Assert.True(Ipv4Packet.TryCreate(error.AsSpan(EthernetHeader.Length), out Ipv4Packet ip));
        Assert.Equal(Gateway, ip.Destination);
        Assert.True(IcmpV4Message.TryParse(ip.Payload, out IcmpV4Message icmp));
        Assert.Equal(IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.Port), icmp);
        Assert.Equal(1, _stack.Counters.DroppedNoSocket);
    }

    [Fact]
    public void ASynFromSourcePortZeroIsAnsweredAsLinuxDoes()
    {
        using TcpListenSocket listener = _stack.Sockets.CreateTcpListenSocket();
        listener.Listen(7);

        byte[] reply = Assert.Single(Exchange(SynFromSourcePortZero));

        Assert.True(Ipv4Packet.TryCreate(reply.AsSpan(EthernetHeader.Length), out Ipv4Packet ip));
        Assert.True(TcpHeader.TryParse(ip.Payload, ip.Source, ip.Destination, out TcpHeader synAck, out _));
        Assert.Equal((ushort)0, synAck.DestinationPort);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(new TcpSeqNumber(1001), synAck.AcknowledgmentNumber);
        Assert.Equal(0, _stack.Counters.TotalDropped);
    }

    private static string Fixture(string name) =>
        (string)typeof(IngressFixtures).GetField(name, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static EtherType EtherTypeOf(byte[] frame) => (EtherType)((frame[12] << 8) | frame[13]);

    private List<byte[]> Exchange(string frameHex)
    {
        Assert.True(_peer.Transmit(Now, PacketBuffer.Copy(Bytes(frameHex))));
        _stack.Poll(Now);
        return TestFrames.DrainBytes(_peer, Now);
    }
}
