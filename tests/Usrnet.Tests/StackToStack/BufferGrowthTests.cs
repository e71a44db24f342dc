using System.Security.Cryptography;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.StackToStack;

/// <summary>
/// Buffers that grow with use, between two stacks: a bulk transfer read as it arrives grows the receive
/// buffer from 64 KiB to the maximum, the window the sender sees follows it without its right edge ever
/// moving left, and once everything is read and acknowledged both connections hold no buffer memory.
/// </summary>
public class BufferGrowthTests
{
    [Fact]
    public void ABulkTransferGrowsTheReceiveBufferToTheMaximumAndTheIdleConnectionGivesItBack()
    {
        using TwoStacks net = new();
        using TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80);
        TcpSocket client = net.A.Sockets.CreateTcpSocket();
        client.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
        Assert.True(net.RunUntil(() => listener.CanAccept, TimeSpan.FromSeconds(5)));
        Assert.True(listener.TryAccept(out TcpSocket server));
        Assert.Equal(TcpSocket.InitialReceiveBuffer, server.Statistics.ReceiveBufferSize);
        Assert.Equal(0, client.Statistics.BufferMemory + server.Statistics.BufferMemory);

        byte[] data = RandomNumberGenerator.GetBytes(8_000_000);
        using IncrementalHash sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using IncrementalHash received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sent.AppendData(data);
        byte[] sink = new byte[64 * 1024];
        int written = 0;
        long read = 0;
        long rightEdge = 0; // SND.UNA + SND.WND as the sender sees it, in bytes from the first
        long largestWindow = 0;
        while (read < data.Length)
        {
            written += client.Send(data.AsSpan(written));
            net.Settle();
            int n;
            while ((n = server.Receive(sink)) > 0)
            {
                received.AppendData(sink, 0, n);
                read += n;
            }
            // A millisecond a round, so round trips take time and autotuning can measure them.
            net.Advance(TimeSpan.FromMilliseconds(1));
            TcpStatistics seen = client.Statistics;
            long edge = seen.BytesAcknowledged + seen.SendWindow;
            Assert.True(edge >= rightEdge, $"the right edge moved left: {rightEdge} to {edge}");
            Assert.InRange(seen.SendWindow, 0, server.Statistics.ReceiveBufferSize); // never more than the buffer
            rightEdge = edge;
            largestWindow = Math.Max(largestWindow, seen.SendWindow);
        }

        Assert.Equal(sent.GetHashAndReset(), received.GetHashAndReset());
        Assert.Equal(TcpSocketOptions.Default.ReceiveBufferSize, server.Statistics.ReceiveBufferSize);
        // The window follows: the sender saw offers of more than three times the initial buffer (the
        // largest is the maximum less what arrived before the ACK carrying it was sent).
        Assert.InRange(largestWindow, 3 * TcpSocket.InitialReceiveBuffer, TcpSocketOptions.Default.ReceiveBufferSize);
        net.Advance(TimeSpan.FromMilliseconds(200)); // the last acknowledgment
        Assert.Equal(data.Length, client.Statistics.BytesAcknowledged);
        Assert.Equal(TcpState.Established, client.State);
        Assert.Equal(0, client.Statistics.BufferMemory);
        Assert.Equal(0, server.Statistics.BufferMemory);
    }
}
