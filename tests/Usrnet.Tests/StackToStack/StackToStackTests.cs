using System.Net.Sockets;
using System.Security.Cryptography;
using Usrnet.Phy;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Tests.StackToStack;

public class StackToStackTests
{
    private static byte[] EchoRequest(ushort id, ushort seq, int dataLength, int seed = 0)
    {
        byte[] message = new byte[IcmpV4Message.HeaderLength + dataLength];
        new Random(seed).NextBytes(message.AsSpan(IcmpV4Message.HeaderLength));
        IcmpV4Message.EchoRequest(id, seq).WriteTo(message);
        return message;
    }

    [Theory]
    [InlineData(56)]
    [InlineData(0)]
    [InlineData(1472)]
    [InlineData(4000)]   // fragmented both ways
    [InlineData(65507)]  // the largest echo
    public void PingGetsTheSameDataBack(int dataLength)
    {
        using TwoStacks net = new();
        using IcmpSocket ping = net.A.Sockets.CreateIcmpSocket();
        ping.Bind(IcmpBinding.Identifier(0x1234));
        byte[] request = EchoRequest(0x1234, 7, dataLength, seed: dataLength);
        Assert.True(ping.TrySendTo(request, TwoStacks.AddressB));
        net.Settle();

        byte[] reply = new byte[70_000];
        Assert.True(ping.TryReceiveFrom(reply, out int length, out Ipv4Address from, out byte ttl));
        Assert.Equal(TwoStacks.AddressB, from);
        Assert.Equal(64, ttl);
        Assert.True(IcmpV4Message.TryParse(reply.AsSpan(0, length), out IcmpV4Message icmp));
        Assert.Equal(IcmpV4Type.EchoReply, icmp.Type);
        Assert.Equal(0x1234, icmp.Identifier);
        Assert.Equal(7, icmp.SequenceNumber);
        Assert.Equal(request.AsSpan(IcmpV4Message.HeaderLength).ToArray(), reply.AsSpan(IcmpV4Message.HeaderLength, length - IcmpV4Message.HeaderLength).ToArray());
        Assert.Equal(1, net.B.Counters.EchoRepliesSent);
        if (dataLength + 28 > 1500)
        {
            Assert.True(net.A.Counters.FragmentsSent > 1);
            Assert.Equal(1, net.B.Counters.DatagramsReassembled);
            Assert.Equal(1, net.A.Counters.DatagramsReassembled);
        }
        Assert.Equal(0, net.A.Counters.TotalDropped);
        Assert.Equal(0, net.B.Counters.TotalDropped);
    }

    [Fact]
    public void UdpRoundTripsEveryDatagramOfEverySize()
    {
        using TwoStacks net = new();
        using UdpSocket server = net.B.Sockets.CreateUdpSocket();
        server.Bind(7);
        using UdpSocket client = net.A.Sockets.CreateUdpSocket();
        byte[] buffer = new byte[70_000];
        Random random = new(5);
        for (int size = 0; size <= 3000; size += 7)
        {
            byte[] data = new byte[size];
            random.NextBytes(data);
            Assert.True(client.TrySendTo(data, new Ipv4Endpoint(TwoStacks.AddressB, 7)));
            net.Settle();
            Assert.True(server.TryReceiveFrom(buffer, out int length, out Ipv4Endpoint from));
            Assert.Equal(client.LocalEndpoint.Port, from.Port);
            Assert.True(server.TrySendTo(buffer.AsSpan(0, length), from));
            net.Settle();
            Assert.True(client.TryReceiveFrom(buffer, out length, out Ipv4Endpoint back));
            Assert.Equal(new Ipv4Endpoint(TwoStacks.AddressB, 7), back);
            Assert.Equal(data, buffer.AsSpan(0, length).ToArray());
        }
        Assert.Equal(0, net.A.Counters.TotalDropped + net.B.Counters.TotalDropped);
    }

    [Fact]
    public void UdpToAClosedPortIsReportedAsConnectionRefused()
    {
        using TwoStacks net = new();
        using UdpSocket client = net.A.Sockets.CreateUdpSocket();
        client.TrySendTo("hello"u8, new Ipv4Endpoint(TwoStacks.AddressB, 9999));
        net.Settle();
        Assert.Equal(1, net.B.Counters.DroppedNoSocket);
        Assert.Equal(1, net.B.Counters.IcmpErrorsSent);
        Assert.True(client.TryTakeError(out SocketError error));
        Assert.Equal(SocketError.ConnectionRefused, error);
        Assert.False(client.TryTakeError(out _)); // reported once
    }

    [Fact]
    public void TracerouteProbeToTheStackDrawsPortUnreachableOnTheIcmpSocket()
    {
        using TwoStacks net = new();
        using UdpSocket probe = net.A.Sockets.CreateUdpSocket();
        probe.Bind(0);
        using IcmpSocket errors = net.A.Sockets.CreateIcmpSocket();
        errors.Bind(IcmpBinding.UdpPort(probe.LocalEndpoint.Port));
        probe.TimeToLive = 1;
        probe.TrySendTo(new byte[32], new Ipv4Endpoint(TwoStacks.AddressB, 33434));
        net.Settle();
        byte[] message = new byte[600];
        Assert.True(errors.TryReceiveFrom(message, out int length, out Ipv4Address from, out _));
        Assert.Equal(TwoStacks.AddressB, from);
        Assert.True(IcmpV4Message.TryParse(message.AsSpan(0, length), out IcmpV4Message icmp));
        Assert.Equal(IcmpV4Type.DestinationUnreachable, icmp.Type);
        Assert.Equal((byte)IcmpV4Unreachable.Port, icmp.Code);
        // The quote holds our probe: IPv4 header with TTL 1 as it arrived, then the UDP header.
        Assert.True(Ipv4Header.TryParseQuoted(message.AsSpan(8, length - 8), out Ipv4Header quoted, out _));
        Assert.Equal(TwoStacks.AddressB, quoted.Destination);
        Assert.Equal(IpProtocol.Udp, quoted.Protocol);
    }

    [Fact]
    public void PingToAnAbsentNeighbourFailsWithHostUnreachableAfterThreeArpRequests()
    {
        using TwoStacks net = new();
        using IcmpSocket ping = net.A.Sockets.CreateIcmpSocket();
        ping.Bind(IcmpBinding.Identifier(1));
        ping.TrySendTo(EchoRequest(1, 1, 56), Ipv4Address.Parse("10.0.0.64"));
        net.Advance(TimeSpan.FromSeconds(2.5));
        Assert.False(ping.CanReceive);
        Assert.Equal(3, net.A.Counters.ArpRequestsSent - 2); // two announcements, then three requests
        net.Advance(TimeSpan.FromSeconds(1));
        byte[] message = new byte[600];
        Assert.True(ping.TryReceiveFrom(message, out int length, out Ipv4Address from, out _));
        Assert.Equal(TwoStacks.AddressA, from);
        Assert.True(IcmpV4Message.TryParse(message.AsSpan(0, length), out IcmpV4Message icmp));
        Assert.Equal(IcmpV4Type.DestinationUnreachable, icmp.Type);
        Assert.Equal((byte)IcmpV4Unreachable.Host, icmp.Code);
        Assert.Equal(1, net.A.Counters.DroppedNeighborUnreachable);
        Assert.Equal(0, net.A.ArpCache.ParkedCount);
    }

    [Fact]
    public void OffLinkDestinationWithoutGatewayIsNetUnreachable()
    {
        using TwoStacks net = new();
        using UdpSocket client = net.A.Sockets.CreateUdpSocket();
        client.TrySendTo("x"u8, new Ipv4Endpoint(Ipv4Address.Parse("192.0.2.1"), 53));
        net.Settle();
        Assert.Equal(1, net.A.Counters.DroppedNoRoute);
        Assert.True(client.TryTakeError(out SocketError error));
        Assert.Equal(SocketError.NetworkUnreachable, error);
    }

    [Fact]
    public void OffLinkDestinationGoesThroughTheGateway()
    {
        using TwoStacks net = new();
        net.A.Gateway = TwoStacks.AddressB;
        using RawIpv4Socket sniff = net.B.Sockets.CreateRawIpv4Socket(IpProtocol.Udp);
        using UdpSocket client = net.A.Sockets.CreateUdpSocket();
        client.TrySendTo("x"u8, new Ipv4Endpoint(Ipv4Address.Parse("192.0.2.1"), 53));
        net.Settle();
        // B is not a router: it drops the datagram, but it received it, at its MAC, for 192.0.2.1.
        Assert.Equal(1, net.B.Counters.DroppedNotForUs);
        Assert.Equal(0, net.A.Counters.DroppedNoRoute);
    }

    [Theory]
    [InlineData(0.01, 1)]
    [InlineData(0.05, 2)]
    [InlineData(0.10, 3)]
    public void PingAndUdpSurviveALossyReorderingCorruptingLink(double chance, int seed)
    {
        FaultOptions faults = new()
        {
            DropChance = chance,
            CorruptChance = chance,
            DuplicateChance = chance,
            ReorderChance = chance,
            Seed = seed,
        };
        using TwoStacks net = new(faults, faults with { Seed = seed + 100 });
        using IcmpSocket ping = net.A.Sockets.CreateIcmpSocket();
        ping.Bind(IcmpBinding.Identifier(9));
        using UdpSocket server = net.B.Sockets.CreateUdpSocket();
        server.Bind(7);
        using UdpSocket client = net.A.Sockets.CreateUdpSocket();
        byte[] buffer = new byte[70_000];
        int pingReplies = 0, udpReplies = 0;
        const int Rounds = 200;
        for (int i = 0; i < Rounds; i++)
        {
            ping.TrySendTo(EchoRequest(9, (ushort)i, 100, i), TwoStacks.AddressB);
            byte[] data = RandomNumberGenerator.GetBytes(1 + (i * 37 % 3000));
            client.TrySendTo(data, new Ipv4Endpoint(TwoStacks.AddressB, 7));
            net.Advance(TimeSpan.FromMilliseconds(50));
            while (server.TryReceiveFrom(buffer, out int n, out Ipv4Endpoint from))
            {
                server.TrySendTo(buffer.AsSpan(0, n), from);
            }
            net.Advance(TimeSpan.FromMilliseconds(50));
            while (ping.TryReceiveFrom(buffer, out int n, out _, out _))
            {
                if (IcmpV4Message.TryParse(buffer.AsSpan(0, n), out IcmpV4Message m) && m.Type == IcmpV4Type.EchoReply)
                {
                    pingReplies++;
                }
            }
            while (client.TryReceiveFrom(buffer, out int n, out _))
            {
                // A corrupted datagram whose checksum still passed would differ; UDP's checksum makes that rare.
                udpReplies++;
            }
            client.TryTakeError(out _);
        }
        // Each round trip crosses the link ≥ 2 times, each with the chance of a drop or a corruption.
        double expected = Rounds * Math.Pow(1 - 2 * chance, 4);
        Assert.InRange(pingReplies, expected * 0.6, Rounds * 1.2);
        Assert.InRange(udpReplies, expected * 0.4, Rounds * 1.2);
        Assert.True(net.FaultsA!.Counters.Corrupted + net.FaultsB!.Counters.Corrupted > 0);
        Assert.True(net.A.Counters.DroppedBadChecksum + net.B.Counters.DroppedBadChecksum + net.A.Counters.DroppedMalformed + net.B.Counters.DroppedMalformed
            + net.A.Counters.DroppedNotForUs + net.B.Counters.DroppedNotForUs + net.A.Counters.DroppedUnknownEtherType + net.B.Counters.DroppedUnknownEtherType > 0);
    }

    [Fact]
    public void UdpBindConflictsAreAddressAlreadyInUse()
    {
        using TwoStacks net = new();
        using UdpSocket first = net.A.Sockets.CreateUdpSocket();
        first.Bind(5000);
        using UdpSocket second = net.A.Sockets.CreateUdpSocket();
        SocketException e = Assert.Throws<SocketException>(() => second.Bind(5000));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
        first.Dispose();
        second.Bind(5000); // free again once the first socket is gone
    }

    [Fact]
    public void EphemeralPortsAreDistinctAndInTheDynamicRange()
    {
        using TwoStacks net = new();
        HashSet<ushort> ports = [];
        List<UdpSocket> sockets = [];
        for (int i = 0; i < 1000; i++)
        {
            UdpSocket s = net.A.Sockets.CreateUdpSocket();
            s.Bind(0);
            Assert.InRange(s.LocalEndpoint.Port, SocketSet.EphemeralPortFirst, SocketSet.EphemeralPortLast);
            Assert.True(ports.Add(s.LocalEndpoint.Port));
            sockets.Add(s);
        }
        // RFC 6056: not sequential.
        Assert.True(sockets.Zip(sockets.Skip(1)).Count(p => p.Second.LocalEndpoint.Port == p.First.LocalEndpoint.Port + 1) < 50);
        sockets.ForEach(s => s.Dispose());
    }

    [Fact]
    public void AFullReceiveQueueDropsAndCounts()
    {
        using TwoStacks net = new();
        using UdpSocket server = net.B.Sockets.CreateUdpSocket(new SocketBufferOptions { ReceivePackets = 4 });
        server.Bind(7);
        using UdpSocket client = net.A.Sockets.CreateUdpSocket();
        for (int i = 0; i < 10; i++)
        {
            client.TrySendTo(new byte[10], new Ipv4Endpoint(TwoStacks.AddressB, 7));
        }
        net.Settle();
        Assert.Equal(6, net.B.Counters.DroppedQueueFull);
        Assert.Equal(6, server.ReceiveQueueDrops);
    }

    [Fact]
    public void GratuitousArpAnnouncesTheAddressTwiceTwoSecondsApart()
    {
        using TwoStacks net = new();
        using RawEthernetSocket arp = net.B.Sockets.CreateRawEthernetSocket(EtherType.Arp);
        net.Settle();
        Assert.Equal(1, net.A.Counters.ArpRequestsSent);
        net.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(1, net.A.Counters.ArpRequestsSent);
        net.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(2, net.A.Counters.ArpRequestsSent);
        net.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, net.A.Counters.ArpRequestsSent);
        byte[] frame = new byte[100];
        Assert.True(arp.TryReceive(frame, out int length));
        Assert.True(ArpHeader.TryParse(frame.AsSpan(14, length - 14), out ArpHeader announce));
        Assert.Equal(ArpOperation.Request, announce.Operation);
        Assert.Equal(TwoStacks.AddressA, announce.SenderProtocolAddress);
        Assert.Equal(TwoStacks.AddressA, announce.TargetProtocolAddress);
    }
}
