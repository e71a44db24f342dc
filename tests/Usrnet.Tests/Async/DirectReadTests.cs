using System.Security.Cryptography;
using Usrnet.Async;

namespace Usrnet.Tests.Async;

/// <summary>
/// A waiting reader's buffer is lent to the socket (data is copied straight into it): whatever ends the
/// read, no byte is lost or written into a buffer its owner has taken back.
/// </summary>
public sealed class DirectReadTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ACancelledReadLosesNothingAndItsBufferIsNotWrittenAfterwards()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        (TcpStream client, TcpStream server) = await pair.ConnectAsync().WaitAsync(Limit);
        await using (client)
        await using (server)
        {
            byte[] abandoned = new byte[4096];
            using (CancellationTokenSource cancel = new())
            {
                ValueTask<int> read = server.ReadAsync(abandoned, cancel.Token);
                cancel.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.AsTask().WaitAsync(Limit));
            }

            byte[] data = RandomNumberGenerator.GetBytes(3000);
            await client.WriteAsync(data).AsTask().WaitAsync(Limit);
            byte[] received = await ReadExactly(server, data.Length);

            Assert.Equal(data, received);
            Assert.All(abandoned, b => Assert.Equal(0, b));
        }
    }

    [Fact]
    public async Task ReadsPostedBeforeTheDataArrivesGetEveryByteInOrder()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        (TcpStream client, TcpStream server) = await pair.ConnectAsync().WaitAsync(Limit);
        await using (client)
        await using (server)
        {
            byte[] data = RandomNumberGenerator.GetBytes(5_000_000);
            // The reader waits first, with buffers of odd sizes smaller and larger than a segment.
            Task<byte[]> reading = ReadExactly(server, data.Length, bufferSize: 977);
            for (int sent = 0; sent < data.Length; sent += 70_001)
            {
                await client.WriteAsync(data.AsMemory(sent, Math.Min(70_001, data.Length - sent))).AsTask().WaitAsync(Limit);
            }

            Assert.Equal(SHA256.HashData(data), SHA256.HashData(await reading.WaitAsync(Limit)));
        }
    }

    private static async Task<byte[]> ReadExactly(TcpStream stream, int length, int bufferSize = 4096)
    {
        byte[] result = new byte[length];
        byte[] buffer = new byte[bufferSize];
        int total = 0;
        while (total < length)
        {
            int read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Limit);
            Assert.True(read > 0, $"end of stream after {total} of {length} bytes");
            buffer.AsSpan(0, read).CopyTo(result.AsSpan(total));
            total += read;
        }
        return result;
    }
}
