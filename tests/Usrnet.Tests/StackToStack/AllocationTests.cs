using Usrnet.Phy;
using Usrnet.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.StackToStack;

/// <summary>
/// docs/articles/design.md §2 "Memory": no allocation per packet in steady state. Two stacks are driven on this
/// thread, so <see cref="GC.GetAllocatedBytesForCurrentThread"/> sees everything they allocate.
/// </summary>
[Collection(AllocationMeasuringCollection.Name)]
public class AllocationTests
{
    [Fact]
    public void UdpRoundTripsAllocateNothingInSteadyState()
    {
        using TwoStacks net = new();
        using UdpSocket server = net.B.Sockets.CreateUdpSocket();
        server.Bind(7);
        using UdpSocket client = net.A.Sockets.CreateUdpSocket();
        byte[] data = new byte[1000];
        byte[] buffer = new byte[2000];
        Ipv4Endpoint serverEndpoint = new(TwoStacks.AddressB, 7);

        void RoundTrip(int count)
        {
            for (int i = 0; i < count; i++)
            {
                client.TrySendTo(data, serverEndpoint);
                net.Settle();
                server.TryReceiveFrom(buffer, out int n, out Ipv4Endpoint from);
                server.TrySendTo(buffer.AsSpan(0, n), from);
                net.Settle();
                Assert.True(client.TryReceiveFrom(buffer, out _, out _));
            }
        }

        RoundTrip(200); // warm up: ARP resolved, pools filled, code jitted
        long before = GC.GetAllocatedBytesForCurrentThread();
        RoundTrip(2000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void PingAllocatesNothingInSteadyState()
    {
        using TwoStacks net = new();
        using IcmpSocket ping = net.A.Sockets.CreateIcmpSocket();
        ping.Bind(IcmpBinding.Identifier(3));
        byte[] request = new byte[64];
        byte[] reply = new byte[128];

        void Ping(int count)
        {
            for (int i = 0; i < count; i++)
            {
                IcmpV4Message.EchoRequest(3, (ushort)i).WriteTo(request);
                ping.TrySendTo(request, TwoStacks.AddressB);
                net.Settle();
                Assert.True(ping.TryReceiveFrom(reply, out _, out _, out _));
            }
        }

        Ping(200);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Ping(2000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // 64 KiB segments, checksums left to the device
    public void TcpBulkTransferAllocatesNothingInSteadyState(bool offloads)
    {
        using TwoStacks net = new(capabilities: offloads ? DeviceCapabilities.WithOffloads() : null);
        using TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80);
        TcpSocket client = net.A.Sockets.CreateTcpSocket();
        client.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
        Assert.True(net.RunUntil(() => listener.CanAccept, TimeSpan.FromSeconds(5)));
        Assert.True(listener.TryAccept(out TcpSocket server));
        byte[] chunk = new byte[16 * 1024];
        byte[] sink = new byte[64 * 1024];

        long Pump(long bytes)
        {
            long received = 0;
            while (received < bytes)
            {
                client.Send(chunk);
                net.Settle();
                int n;
                while ((n = server.Receive(sink)) > 0)
                {
                    received += n;
                }
                net.Settle();
            }
            return received;
        }

        Pump(20_000_000); // warm up: windows open, pools filled, code jitted
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pump(50_000_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
