using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Usrnet.AspNetCore;
using Usrnet.Async;
using Usrnet.Wire;

namespace Usrnet.Tests.Async;

/// <summary>
/// The Kestrel transport below HTTP: <see cref="UsrnetTransportFactory"/> binds on stack B, a
/// <see cref="TcpStream"/> on stack A is the peer, and the test plays Kestrel on the accepted
/// <see cref="ConnectionContext"/>'s pipes.
/// </summary>
public sealed class UsrnetTransportTests
{
    private const ushort Port = 5000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TheConnectionShowsBothEndpointsAsIPEndPointsAndItsFeatures()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using Accepted c = await Accepted.ConnectAsync(pair);

        Assert.Equal(new IPEndPoint(AsyncStackPair.AddressB.ToIPAddress(), Port), c.Connection.LocalEndPoint);
        Assert.Equal(c.Client.LocalEndpoint.ToIPEndPoint(), c.Connection.RemoteEndPoint);
        IConnectionEndPointFeature endpoints = c.Connection.Features.Get<IConnectionEndPointFeature>()!;
        Assert.Equal(c.Connection.RemoteEndPoint, endpoints.RemoteEndPoint);
        Assert.Same(c.Connection.Transport, c.Connection.Features.Get<IConnectionTransportFeature>()!.Transport);
        Assert.Equal(c.Connection.ConnectionId, c.Connection.Features.Get<IConnectionIdFeature>()!.ConnectionId);
        Assert.NotNull(c.Connection.Features.Get<IMemoryPoolFeature>()!.MemoryPool);
        Assert.Equal(c.Connection.ConnectionClosed, c.Connection.Features.Get<IConnectionLifetimeFeature>()!.ConnectionClosed);
    }

    [Fact]
    public async Task CompletingTheOutputHalfClosesAndTheInputKeepsFlowing()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using Accepted c = await Accepted.ConnectAsync(pair);

        await c.Connection.Transport.Output.WriteAsync("response"u8.ToArray());
        await c.Connection.Transport.Output.CompleteAsync();
        Assert.Equal("response", await ReadToEndAsync(c.Client)); // the data, then the FIN
        Assert.False(c.Connection.ConnectionClosed.IsCancellationRequested, "the peer has not closed: the connection is only half-closed");

        await c.Client.WriteAsync("more after the FIN"u8.ToArray());
        c.Client.ShutdownWrite();
        Assert.Equal("more after the FIN", await ReadToEndAsync(c.Connection.Transport.Input));
        await WaitForAsync(c.Connection.ConnectionClosed);
    }

    [Fact]
    public async Task ThePeersFinEndsTheInputAndFiresConnectionClosedWhileTheOutputStillSends()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using Accepted c = await Accepted.ConnectAsync(pair);

        await c.Client.WriteAsync("request"u8.ToArray());
        c.Client.ShutdownWrite();
        Assert.Equal("request", await ReadToEndAsync(c.Connection.Transport.Input));
        await WaitForAsync(c.Connection.ConnectionClosed);

        await c.Connection.Transport.Output.WriteAsync("late answer"u8.ToArray());
        await c.Connection.Transport.Output.CompleteAsync();
        Assert.Equal("late answer", await ReadToEndAsync(c.Client));
    }

    [Fact]
    public async Task AbortClosesTheStreamAndEndsTheInputWithTheReason()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using Accepted c = await Accepted.ConnectAsync(pair);
        ValueTask<ReadResult> pendingRead = c.Connection.Transport.Input.ReadAsync();

        c.Connection.Abort(new ConnectionAbortedException("aborted by the test"));

        ConnectionAbortedException reason = await Assert.ThrowsAsync<ConnectionAbortedException>(async () => await pendingRead.AsTask().WaitAsync(Limit));
        Assert.Equal("aborted by the test", reason.Message);
        Assert.Equal(0, await c.Client.ReadAsync(new byte[10]).AsTask().WaitAsync(Limit)); // closed: the peer reads the end
        await WaitForAsync(c.Connection.ConnectionClosed);
    }

    [Fact]
    public async Task APeerResetEndsTheInputWithConnectionResetAndFiresConnectionClosed()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using Accepted c = await Accepted.ConnectAsync(pair);
        ValueTask<ReadResult> pendingRead = c.Connection.Transport.Input.ReadAsync();

        c.Client.Abort(); // RST

        await Assert.ThrowsAsync<ConnectionResetException>(async () => await pendingRead.AsTask().WaitAsync(Limit));
        await WaitForAsync(c.Connection.ConnectionClosed);
    }

    [Fact]
    public async Task DisposeStopsReadingAndClosesGracefullyWithoutWaitingForThePeer()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using Accepted c = await Accepted.ConnectAsync(pair);

        await c.Connection.Transport.Output.WriteAsync("bye"u8.ToArray());
        // As Kestrel does at the end of a connection: the peer is idle and keeps its side open.
        await c.Connection.DisposeAsync().AsTask().WaitAsync(Limit);
        Assert.Equal("bye", await ReadToEndAsync(c.Client));
    }

    [Fact]
    public async Task AnApplicationThatDoesNotReadStopsTheTransportReadingFromTheStack()
    {
        const int Length = 4 * 1024 * 1024; // well above the input pipe's limit plus both TCP buffers (256 KiB each)
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using Accepted c = await Accepted.ConnectAsync(pair, new UsrnetTransportOptions { MaxReadBufferSize = 64 * 1024 });

        byte[] data = new byte[Length];
        Random.Shared.NextBytes(data);
        Task writing = c.Client.WriteAsync(data).AsTask();
        await Task.Delay(500);
        Assert.False(writing.IsCompleted, "the writer should wait: nobody reads the input");

        MemoryStream received = new();
        while (received.Length < Length)
        {
            ReadResult result = await c.Connection.Transport.Input.ReadAsync().AsTask().WaitAsync(Limit);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                received.Write(segment.Span);
            }
            c.Connection.Transport.Input.AdvanceTo(result.Buffer.End);
        }
        await writing.WaitAsync(Limit);
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public async Task UnbindingEndsAPendingAcceptWithNull()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        UsrnetTransportFactory factory = new(pair.B);
        IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Any, Port));
        ValueTask<ConnectionContext?> accept = listener.AcceptAsync();
        await listener.UnbindAsync();
        Assert.Null(await accept.AsTask().WaitAsync(Limit));
        Assert.Null(await listener.AcceptAsync().AsTask().WaitAsync(Limit));
        await listener.DisposeAsync();

        // The port is free again.
        await using IConnectionListener again = await factory.BindAsync(new IPEndPoint(IPAddress.Any, Port));
        Assert.Equal(new IPEndPoint(IPAddress.Any, Port), again.EndPoint);
    }

    [Fact]
    public async Task ThePortOfAnotherListenerIsAnAddressInUseError()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        UsrnetTransportFactory factory = new(pair.B);
        await using IConnectionListener first = await factory.BindAsync(new IPEndPoint(IPAddress.Any, Port));
        AddressInUseException e = await Assert.ThrowsAsync<AddressInUseException>(async () => await factory.BindAsync(new IPEndPoint(IPAddress.Any, Port)));
        Assert.Contains($"{Port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyIPEndPointsAreThisTransports()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        UsrnetTransportFactory factory = new(pair.B);
        Assert.True(factory.CanBind(new IPEndPoint(IPAddress.Any, 80)));
        Assert.True(factory.CanBind(new IPEndPoint(IPAddress.IPv6Loopback, 80))); // claimed, so that it fails with the reason
        Assert.False(factory.CanBind(new UnixDomainSocketEndPoint("/tmp/usrnet-test.sock")));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await factory.BindAsync(new UnixDomainSocketEndPoint("/tmp/usrnet-test.sock")));
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        MemoryStream all = new();
        await stream.CopyToAsync(all).WaitAsync(Limit);
        return Encoding.ASCII.GetString(all.ToArray());
    }

    private static async Task<string> ReadToEndAsync(PipeReader input)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync().AsTask().WaitAsync(Limit);
            if (result.IsCompleted)
            {
                string text = Encoding.ASCII.GetString(result.Buffer.ToArray());
                input.AdvanceTo(result.Buffer.End);
                return text;
            }
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static Task WaitForAsync(CancellationToken token)
    {
        TaskCompletionSource fired = new(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => fired.TrySetResult());
        return fired.Task.WaitAsync(Limit);
    }

    /// <summary>A connection accepted through the transport and the client stream at its other end.</summary>
    private sealed class Accepted : IAsyncDisposable
    {
        private readonly IConnectionListener _listener;

        private Accepted(IConnectionListener listener, TcpStream client, ConnectionContext connection)
        {
            _listener = listener;
            Client = client;
            Connection = connection;
        }

        public TcpStream Client { get; }

        public ConnectionContext Connection { get; }

        public static async Task<Accepted> ConnectAsync(AsyncStackPair pair, UsrnetTransportOptions? options = null)
        {
            UsrnetTransportFactory factory = new(pair.B, options);
            IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Any, Port));
            ValueTask<ConnectionContext?> accept = listener.AcceptAsync();
            TcpStream client = await pair.A.ConnectAsync(new Ipv4Endpoint(AsyncStackPair.AddressB, Port)).WaitAsync(Limit);
            ConnectionContext connection = (await accept.AsTask().WaitAsync(Limit))!;
            return new Accepted(listener, client, connection);
        }

        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync();
            await Client.DisposeAsync();
            await _listener.DisposeAsync();
        }
    }
}
