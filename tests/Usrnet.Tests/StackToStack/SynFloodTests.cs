using Usrnet.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.StackToStack;

public class SynFloodTests
{
    /// <summary>A SYN from a forged source that will never answer, as a flood sends them.</summary>
    private static byte[] ForgedSyn(Ipv4Address source, ushort sourcePort, Ipv4Address destination, ushort port, uint sequence)
    {
        TcpHeader syn = new(sourcePort, port, new TcpSeqNumber(sequence), default, TcpFlags.Syn, 64240)
        {
            Options = new TcpOptions { MaximumSegmentSize = 1460 },
        };
        byte[] packet = new byte[Ipv4Header.Length + syn.Length];
        syn.WriteTo(packet.AsSpan(Ipv4Header.Length), source, destination);
        new Ipv4Header(source, destination, IpProtocol.Tcp, syn.Length).WriteTo(packet);
        return packet;
    }

    [Fact]
    public void UnderASynFloodStateStaysBoundedAndARealClientConnectsWithACookie()
    {
        using TwoStacks net = new();
        using TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80, backlog: 16, maxHalfOpen: 8);
        using RawIpv4Socket raw = net.A.Sockets.CreateRawIpv4Socket(IpProtocol.Tcp, new SocketBufferOptions { SendPackets = 4096, SendBytes = 1 << 20 });
        for (int i = 0; i < 2000; i++)
        {
            Ipv4Address forged = new(10, 0, 0, (byte)(150 + (i % 50)));
            Assert.True(raw.TrySend(ForgedSyn(forged, (ushort)(1024 + i), TwoStacks.AddressB, 80, (uint)(i * 7919))));
            if (i % 100 == 0)
            {
                net.Settle();
            }
        }
        net.Settle();
        Assert.Equal(8, listener.HalfOpenCount);
        // Each poll answers its budget of SYNs with cookies and drops the rest unanswered.
        Assert.Equal(2000 - 8, listener.SynCookiesSent + net.B.Counters.SynsOverBudget);
        Assert.True(listener.SynCookiesSent >= 1000, $"{listener.SynCookiesSent} cookies");
        Assert.True(net.B.Counters.SynsOverBudget > 0, "100 SYNs per poll exceed the budget");
        Assert.True(net.B.Sockets.Count <= 1 + 8, $"{net.B.Sockets.Count} sockets");

        TcpSocket client = net.A.Sockets.CreateTcpSocket();
        client.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
        Assert.True(net.RunUntil(() => listener.CanAccept, TimeSpan.FromSeconds(5)));
        Assert.True(listener.TryAccept(out TcpSocket server));
        Assert.Equal(1, listener.SynCookiesAccepted);
        Assert.Equal(TcpState.Established, client.State);

        // The cookie connection carries data both ways, with the options the cookie kept in its timestamp:
        // timestamps (the MSS less their 12 bytes) and window scaling: the client's first 64 KiB window
        // arrives in units of 2^3 (its 256 KiB maximum), 65535 rounded down; unscaled it would be 65535.
        Assert.Equal(1460 - 12, server.Statistics.MaximumSegmentSize);
        Assert.Equal(ushort.MaxValue >> 3 << 3, server.Statistics.SendWindow);
        client.Send("hello over a cookie"u8);
        net.Settle();
        byte[] buffer = new byte[64];
        int n = server.Receive(buffer);
        Assert.Equal("hello over a cookie", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        server.Send(buffer.AsSpan(0, n));
        net.Settle();
        Assert.Equal(n, client.Receive(buffer));

        // The half-open entries of the flood expire: their SYN-ACKs are retransmitted, then given up.
        net.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(0, listener.HalfOpenCount);
    }

    [Fact]
    public void AForgedAckWithABadCookieIsReset()
    {
        using TwoStacks net = new();
        using TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80);
        using RawIpv4Socket raw = net.A.Sockets.CreateRawIpv4Socket(IpProtocol.Tcp);
        TcpHeader ack = new(40000, 80, new TcpSeqNumber(1000), new TcpSeqNumber(123456), TcpFlags.Ack, 1000);
        byte[] packet = new byte[Ipv4Header.Length + ack.Length];
        ack.WriteTo(packet.AsSpan(Ipv4Header.Length), TwoStacks.AddressA, TwoStacks.AddressB);
        new Ipv4Header(TwoStacks.AddressA, TwoStacks.AddressB, IpProtocol.Tcp, ack.Length).WriteTo(packet);
        raw.TrySend(packet);
        net.Settle();
        Assert.Equal(0, listener.SynCookiesAccepted);
        Assert.False(listener.CanAccept);
        Assert.Equal(1, net.B.Counters.TcpResetsSent);
    }

    [Fact]
    public void UnderASynFloodEachPollAnswersItsBudgetAndAnEstablishedConnectionKeepsMoving()
    {
        using TwoStacks net = new();
        using TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80, maxHalfOpen: 8);
        TcpSocket client = net.A.Sockets.CreateTcpSocket();
        client.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
        Assert.True(net.RunUntil(() => listener.CanAccept, TimeSpan.FromSeconds(1)));
        Assert.True(listener.TryAccept(out TcpSocket server));
        using RawIpv4Socket raw = net.A.Sockets.CreateRawIpv4Socket(IpProtocol.Tcp, new SocketBufferOptions { SendPackets = 4096, SendBytes = 1 << 20 });

        byte[] data = new byte[1_000_000];
        new Random(5).NextBytes(data);
        int sent = 0, received = 0, syn = 0;
        byte[] buffer = new byte[65536];
        long mostCookiesInAPoll = 0;
        for (int round = 0; round < 2000 && received < data.Length; round++)
        {
            // 600 SYNs from forged sources land in B's queue with the connection's segments: more than a poll takes.
            for (int i = 0; i < 600; i++, syn++)
            {
                Ipv4Address forged = new(10, 0, 0, (byte)(100 + (syn % 100)));
                raw.TrySend(ForgedSyn(forged, (ushort)(1024 + (syn % 60000)), TwoStacks.AddressB, 80, (uint)syn * 7919));
            }
            sent += client.Send(data.AsSpan(sent));
            net.A.Poll(net.Now);
            long cookies = listener.SynCookiesSent;
            net.B.Poll(net.Now);
            mostCookiesInAPoll = Math.Max(mostCookiesInAPoll, listener.SynCookiesSent - cookies);
            int n;
            while ((n = server.Receive(buffer)) > 0)
            {
                Assert.True(data.AsSpan(received, n).SequenceEqual(buffer.AsSpan(0, n)));
                received += n;
            }
            net.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal(data.Length, received);
        Assert.Equal(64, mostCookiesInAPoll); // a quarter of the 256 frames a poll takes
        Assert.True(net.B.Counters.SynsOverBudget > 0);
        Assert.Equal(8, listener.HalfOpenCount);
    }
}
