using System.Diagnostics;
using System.Net.Sockets;
using Usrnet.Async;

namespace Usrnet.Tests.Async;

/// <summary>
/// <see cref="NetworkStack.DisposeAsync"/> closes the connections left open as the kernel closes an
/// exiting process's sockets: the queued data and a FIN, a reset after the linger, then the device goes.
/// </summary>
public sealed class NetworkStackCloseTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task DisposingAStackSendsTheQueuedDataThenAFin()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        (TcpStream client, TcpStream server) = await pair.ConnectAsync().WaitAsync(Limit);
        await using (client)
        {
            byte[] data = new byte[200_000];
            new Random(3).NextBytes(data);
            await server.WriteAsync(data).AsTask().WaitAsync(Limit); // fits the send buffer: queued, not yet all sent

            // A, the peer, closes when it sees B's FIN, so B's dispose finishes well before the linger ends.
            Task<byte[]> reading = ReadToEndThenCloseAsync(client);
            Stopwatch clock = Stopwatch.StartNew();
            await pair.B.DisposeAsync().AsTask().WaitAsync(Limit);
            Assert.Equal(data, await reading.WaitAsync(Limit));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"dispose took {clock.Elapsed}");
        }
    }

    [Fact]
    public async Task APeerThatNeverClosesIsResetWhenTheLingerEnds()
    {
        TimeSpan linger = TimeSpan.FromMilliseconds(300);
        await using AsyncStackPair pair = AsyncStackPair.Create(configureA: options => options with { Linger = linger });
        (TcpStream client, TcpStream server) = await pair.ConnectAsync().WaitAsync(Limit);
        await using (server)
        {
            await client.WriteAsync("unanswered"u8.ToArray()).AsTask().WaitAsync(Limit);
            Stopwatch clock = Stopwatch.StartNew();
            await pair.A.DisposeAsync().AsTask().WaitAsync(Limit);
            Assert.True(clock.Elapsed >= linger, $"dispose took {clock.Elapsed}: the linger was cut short");

            // B took the data and the FIN; it never closed, so A reset the connection after the linger.
            byte[] buffer = new byte[64];
            int read = await server.ReadAsync(buffer).AsTask().WaitAsync(Limit);
            Assert.Equal("unanswered", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
            SocketException reset = await Assert.ThrowsAsync<SocketException>(async () =>
            {
                Stopwatch waited = Stopwatch.StartNew();
                while (waited.Elapsed < Limit)
                {
                    // End of stream (the FIN) until the reset is processed, then the reset.
                    Assert.Equal(0, await server.ReadAsync(buffer).AsTask().WaitAsync(Limit));
                    await server.WriteAsync("too late"u8.ToArray());
                    await Task.Delay(20);
                }
            });
            Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        }
    }

    private static async Task<byte[]> ReadToEndThenCloseAsync(TcpStream stream)
    {
        MemoryStream received = new();
        byte[] buffer = new byte[65536];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            received.Write(buffer, 0, n);
        }
        stream.ShutdownWrite();
        return received.ToArray();
    }
}
