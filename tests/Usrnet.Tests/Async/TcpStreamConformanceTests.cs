using System.Net.Sockets;
using System.Security.Cryptography;
using Usrnet.Async;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;

namespace Usrnet.Tests.Async;

/// <summary>
/// <see cref="TcpStream"/> as a connected <see cref="Stream"/>, in the shape of dotnet/runtime's
/// <c>ConnectedStreamConformanceTests</c>: both ends are TcpStreams of two stacks over the in-memory link,
/// each stack on its own loop thread, in real time.
/// </summary>
public sealed class TcpStreamConformanceTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private AsyncStackPair _pair = null!;
    private TcpStream _client = null!;
    private TcpStream _server = null!;

    public async Task InitializeAsync()
    {
        _pair = AsyncStackPair.Create();
        (_client, _server) = await _pair.ConnectAsync().WaitAsync(Limit);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        await _pair.DisposeAsync();
    }

    [Fact]
    public void PropertiesAreThoseOfANetworkStream()
    {
        Assert.True(_client.CanRead);
        Assert.True(_client.CanWrite);
        Assert.False(_client.CanSeek);
        Assert.False(_client.CanTimeout);
        Assert.Throws<NotSupportedException>(() => _client.Length);
        Assert.Throws<NotSupportedException>(() => _client.Position);
        Assert.Throws<NotSupportedException>(() => _client.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => _client.SetLength(1));
        Assert.Equal(TcpState.Established, _client.State);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1460)]
    [InlineData(4096)]
    [InlineData(65_537)]
    [InlineData(1_000_000)]
    public async Task EveryByteArrivesInOrderWhateverTheReadSize(int readSize)
    {
        byte[] data = RandomBytes(300_000, seed: readSize);
        Task writing = WriteAllAndShutdownAsync(_client, data, chunk: 10_000);
        byte[] received = await ReadToEndAsync(_server, readSize);
        await writing.WaitAsync(Limit);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
    }

    [Fact]
    public async Task SynchronousReadAndWriteWorkToo()
    {
        byte[] data = RandomBytes(50_000, seed: 1);
        Task writing = Task.Run(() =>
        {
            _client.Write(data, 0, 20_000);
            _client.Write(data.AsSpan(20_000));
            _client.WriteByte(42);
            _client.ShutdownWrite();
        });
        MemoryStream received = new();
        byte[] buffer = new byte[3000];
        int read;
        while ((read = await Task.Run(() => _server.Read(buffer.AsSpan())).WaitAsync(Limit)) > 0)
        {
            received.Write(buffer, 0, read);
        }
        await writing.WaitAsync(Limit);
        Assert.Equal([.. data, 42], received.ToArray());
    }

    [Fact]
    public async Task AZeroByteReadWaitsForDataAndTakesNone()
    {
        ValueTask<int> zero = _server.ReadAsync(Memory<byte>.Empty);
        await Task.Delay(50);
        Assert.False(zero.IsCompleted, "a zero-byte read completed before any data arrived");

        await _client.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.Equal(0, await zero.AsTask().WaitAsync(Limit));
        byte[] buffer = new byte[10];
        Assert.Equal(3, await _server.ReadAsync(buffer).AsTask().WaitAsync(Limit));
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
    }

    [Fact]
    public async Task AZeroByteReadAtTheEndOfTheStreamReturnsZero()
    {
        _client.ShutdownWrite();
        Assert.Equal(0, await _server.ReadAsync(new byte[1]).AsTask().WaitAsync(Limit));
        Assert.Equal(0, await _server.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Limit));
    }

    [Fact]
    public async Task AZeroByteWriteSendsNothingAndLaterDataArrives()
    {
        await _client.WriteAsync(ReadOnlyMemory<byte>.Empty);
        await _client.WriteAsync(new byte[] { 9 });
        byte[] buffer = new byte[4];
        Assert.Equal(1, await _server.ReadAsync(buffer).AsTask().WaitAsync(Limit));
        Assert.Equal(9, buffer[0]);
    }

    [Fact]
    public async Task ConcurrentReadsAndWritesInBothDirections()
    {
        byte[] up = RandomBytes(2_000_000, seed: 2);
        byte[] down = RandomBytes(2_000_000, seed: 3);
        Task<byte[]> serverReads = ReadToEndAsync(_server, 8192);
        Task<byte[]> clientReads = ReadToEndAsync(_client, 5000);
        Task clientWrites = WriteAllAndShutdownAsync(_client, up, chunk: 16_384);
        Task serverWrites = WriteAllAndShutdownAsync(_server, down, chunk: 7000);
        await Task.WhenAll(serverReads, clientReads, clientWrites, serverWrites).WaitAsync(Limit);
        Assert.Equal(SHA256.HashData(up), SHA256.HashData(await serverReads));
        Assert.Equal(SHA256.HashData(down), SHA256.HashData(await clientReads));
    }

    [Fact]
    public async Task CopyToAsyncCopiesEverythingUntilTheEnd()
    {
        byte[] data = RandomBytes(1_000_000, seed: 4);
        Task writing = WriteAllAndShutdownAsync(_client, data, chunk: 65_536);
        MemoryStream copy = new();
        await _server.CopyToAsync(copy).WaitAsync(Limit);
        await writing.WaitAsync(Limit);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));
    }

    [Fact]
    public async Task AWriterWaitsWhileTheSendBufferIsFullAndNothingIsLost()
    {
        // 256 KiB send buffer + 256 KiB receive window: a 4 MB write cannot complete until the reader reads.
        byte[] data = RandomBytes(4_000_000, seed: 5);
        Task writing = _client.WriteAsync(data).AsTask();
        await Task.Delay(200);
        Assert.False(writing.IsCompleted, "4 MB were accepted without a reader: something buffers without bound");
        Assert.True(_client.Statistics.BytesAcknowledged < data.Length);

        Task<byte[]> reading = ReadToEndAsync(_server, 65_536);
        await writing.WaitAsync(Limit);
        _client.ShutdownWrite();
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await reading.WaitAsync(Limit)));
    }

    [Fact]
    public async Task HalfCloseLetsTheOtherDirectionGoOn()
    {
        _client.ShutdownWrite();
        Assert.Equal(0, await _server.ReadAsync(new byte[16]).AsTask().WaitAsync(Limit));
        SocketException afterShutdown = await Assert.ThrowsAsync<SocketException>(() => _client.WriteAsync(new byte[1]).AsTask());
        Assert.Equal(SocketError.Shutdown, afterShutdown.SocketErrorCode);

        byte[] reply = RandomBytes(500_000, seed: 6);
        Task writing = WriteAllAndShutdownAsync(_server, reply, chunk: 32_768);
        Assert.Equal(SHA256.HashData(reply), SHA256.HashData(await ReadToEndAsync(_client, 10_000)));
        await writing.WaitAsync(Limit);
    }

    [Fact]
    public async Task CancellingAPendingReadThrowsAndLeavesTheStreamUsable()
    {
        using CancellationTokenSource cancel = new();
        byte[] buffer = new byte[10];
        ValueTask<int> pending = _server.ReadAsync(buffer, cancel.Token);
        Assert.False(pending.IsCompleted);
        await cancel.CancelAsync();
        OperationCanceledException e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.AsTask().WaitAsync(Limit));
        Assert.Equal(cancel.Token, e.CancellationToken);

        await _client.WriteAsync(new byte[] { 7, 8 });
        Assert.Equal(2, await _server.ReadAsync(buffer).AsTask().WaitAsync(Limit));
        Assert.Equal(new byte[] { 7, 8 }, buffer[..2]);
    }

    [Fact]
    public async Task AnAlreadyCancelledTokenFailsAtOnceWithoutTakingData()
    {
        await _client.WriteAsync(new byte[] { 1 });
        using CancellationTokenSource cancel = new();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _server.ReadAsync(new byte[1], cancel.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _server.WriteAsync(new byte[1], cancel.Token).AsTask());
        byte[] buffer = new byte[1];
        Assert.Equal(1, await _server.ReadAsync(buffer).AsTask().WaitAsync(Limit));
    }

    [Fact]
    public async Task CancellingAWriteBlockedOnAFullBufferThrows()
    {
        using CancellationTokenSource cancel = new();
        Task writing = _client.WriteAsync(new byte[4_000_000], cancel.Token).AsTask();
        await Task.Delay(100);
        Assert.False(writing.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writing.WaitAsync(Limit));
    }

    [Fact]
    public async Task ASecondConcurrentReadIsRefused()
    {
        ValueTask<int> first = _server.ReadAsync(new byte[1]);
        Assert.Throws<InvalidOperationException>(() => { _ = _server.ReadAsync(new byte[1]); });
        await _client.WriteAsync(new byte[] { 5 });
        Assert.Equal(1, await first.AsTask().WaitAsync(Limit));
    }

    [Fact]
    public async Task DisposingWhileAReadIsPendingFailsTheRead()
    {
        ValueTask<int> pending = _server.ReadAsync(new byte[10]);
        await _server.DisposeAsync();
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => pending.AsTask().WaitAsync(Limit));
        Assert.Equal(SocketError.OperationAborted, e.SocketErrorCode);
        Assert.False(_server.CanRead);
        Assert.Throws<ObjectDisposedException>(() => { _ = _server.ReadAsync(new byte[1]); });
        Assert.Throws<ObjectDisposedException>(() => { _ = _server.WriteAsync(new byte[1]); });
    }

    [Fact]
    public async Task DisposeClosesGracefullyAfterTheQueuedData()
    {
        byte[] data = RandomBytes(600_000, seed: 7);
        await _client.WriteAsync(data.AsMemory(0, 200_000));
        Task rest = _client.WriteAsync(data.AsMemory(200_000)).AsTask();
        Task<byte[]> reading = ReadToEndAsync(_server, 4096);
        await rest.WaitAsync(Limit);
        await _client.DisposeAsync();
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await reading.WaitAsync(Limit)));
    }

    [Fact]
    public async Task DisposingWithUnreadDataResetsThePeer()
    {
        await _client.WriteAsync(new byte[100]);
        byte[] one = new byte[1];
        Assert.Equal(1, await _server.ReadAsync(one).AsTask().WaitAsync(Limit));
        await Task.Delay(50); // the other 99 bytes have arrived
        await _server.DisposeAsync();

        SocketException e = await Assert.ThrowsAsync<SocketException>(() => ReadToEndAsync(_client, 100).WaitAsync(Limit));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Fact]
    public async Task AbortResetsThePeerAndFailsItsReads()
    {
        ValueTask<int> pending = _server.ReadAsync(new byte[10]);
        _client.Abort();
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => pending.AsTask().WaitAsync(Limit));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Fact]
    public async Task DisposingTheStackFailsPendingOperations()
    {
        ValueTask<int> pending = _server.ReadAsync(new byte[10]);
        await _pair.B.DisposeAsync();
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => pending.AsTask().WaitAsync(Limit));
        Assert.Equal(SocketError.OperationAborted, e.SocketErrorCode);
        Assert.Throws<ObjectDisposedException>(() => _pair.B.ListenTcp(80));
        // A stream of a stopped stack must not wait forever for a loop that is gone.
        Assert.Throws<ObjectDisposedException>(() => { _ = _server.ReadAsync(new byte[1]); });
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static async Task WriteAllAndShutdownAsync(TcpStream stream, byte[] data, int chunk)
    {
        for (int offset = 0; offset < data.Length; offset += chunk)
        {
            await stream.WriteAsync(data.AsMemory(offset, Math.Min(chunk, data.Length - offset)));
        }
        stream.ShutdownWrite();
    }

    private static async Task<byte[]> ReadToEndAsync(TcpStream stream, int readSize)
    {
        MemoryStream received = new();
        byte[] buffer = new byte[readSize];
        int read;
        while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Limit)) > 0)
        {
            received.Write(buffer, 0, read);
        }
        return received.ToArray();
    }
}
