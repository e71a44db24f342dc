using Usrnet.Async;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Dhcp;
using Usrnet.Tests.Dhcp;
using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;

namespace Usrnet.Tests.Async;

/// <summary>
/// A NetworkStack configured by DHCP: stack B runs a small DHCP server on a <see cref="UdpChannel"/>
/// (<see cref="DhcpHarness.AnswerTo"/>: 10.0.0.181/24, router 10.0.0.101, two name servers, 120 s lease), in real time.
/// </summary>
public sealed class NetworkStackDhcpTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TheStackTakesItsAddressGatewayAndNameServersFromTheLeaseAndReleasesItOnDispose()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        await using NetworkStack server = NetworkStack.Start(b, new NetworkStackOptions
        {
            Interface = new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = new Ipv4Cidr(Server, 24) },
        });
        List<DhcpMessageType> seen = [];
        using CancellationTokenSource stop = new();
        Task serving = ServeAsync(server, seen, stop.Token);

        List<DhcpEvent> events = [];
        NetworkStack client = NetworkStack.Start(a, new NetworkStackOptions
        {
            Interface = new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01") },
            // No RFC 5227 probe here (it takes seconds of real time); the DHCP tests cover it on virtual time.
            Dhcp = new DhcpClientOptions { HostName = "async", ProbeCount = 0, AnnounceWait = TimeSpan.Zero },
        });
        client.DhcpEventOccurred += (_, e) =>
        {
            lock (events)
            {
                events.Add(e);
            }
        };
        try
        {
            Assert.Null(client.Address);
            Ipv4Cidr address = await client.WaitForAddressAsync().WaitAsync(Limit);
            Assert.Equal(new Ipv4Cidr(Leased, 24), address);
            Assert.Equal(Server, client.Gateway);
            Assert.Equal([Server, new Ipv4Address(10, 0, 0, 53)], client.DnsServers);
            Assert.Equal(TimeSpan.FromSeconds(120), client.DhcpLease?.LeaseTime);

            // The leased address works: B connects to A on it.
            await using TcpStreamListener listener = client.ListenTcp(7);
            ValueTask<TcpStream> accepted = listener.AcceptAsync();
            await using TcpStream fromServer = await server.ConnectAsync(new Ipv4Endpoint(Leased, 7)).WaitAsync(Limit);
            await using TcpStream atClient = await accepted.AsTask().WaitAsync(Limit);
            Assert.Equal(new Ipv4Endpoint(Leased, 7), fromServer.RemoteEndpoint);
        }
        finally
        {
            await client.DisposeAsync();
        }

        await WaitUntilAsync(() => { lock (seen) { return seen.Contains(DhcpMessageType.Release); } });
        lock (seen)
        {
            Assert.Equal([DhcpMessageType.Discover, DhcpMessageType.Request, DhcpMessageType.Release], seen);
        }
        lock (events)
        {
            DhcpConfigured configured = Assert.IsType<DhcpConfigured>(Assert.Single(events));
            Assert.Equal(new Ipv4Cidr(Leased, 24), configured.Configuration.Address);
        }
        await stop.CancelAsync();
        await serving.WaitAsync(Limit);
    }

    [Fact]
    public void DhcpWithAStaticAddressIsRefused()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        b.Dispose();
        ArgumentException e = Assert.Throws<ArgumentException>(() => NetworkStack.Start(a, new NetworkStackOptions
        {
            Interface = new InterfaceOptions { Address = new Ipv4Cidr(Leased, 24) },
            Dhcp = new DhcpClientOptions(),
        }));
        Assert.Contains("DHCP", e.Message, StringComparison.Ordinal);
        a.Dispose();
    }

    /// <summary>OFFER for DISCOVER, ACK for REQUEST (broadcast, as the client asks), nothing for RELEASE; records what came.</summary>
    internal static async Task ServeAsync(NetworkStack stack, List<DhcpMessageType> seen, CancellationToken cancellationToken)
    {
        await using UdpChannel udp = stack.OpenUdp(DhcpMessage.ServerPort);
        byte[] buffer = new byte[1500];
        while (!cancellationToken.IsCancellationRequested)
        {
            ReceivedDatagram got;
            try
            {
                got = await udp.ReceiveAsync(buffer, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Assert.True(DhcpMessage.TryParse(buffer.AsSpan(0, got.Length), out DhcpMessage request));
            lock (seen)
            {
                seen.Add(request.MessageType!.Value);
            }
            if (DhcpHarness.AnswerTo(request, Leased) is not { } reply)
            {
                continue;
            }
            byte[] bytes = new byte[reply.Length];
            reply.WriteTo(bytes);
            await udp.SendAsync(bytes, new Ipv4Endpoint(DhcpHarness.AnswerDestination(request), DhcpMessage.ClientPort), cancellationToken);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(10);
        }
    }
}
