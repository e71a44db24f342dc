using System.Net.Sockets;
using Usrnet.Async;
using Usrnet.Sockets.Dns;
using Usrnet.Tests.Dns;
using Usrnet.Wire;

namespace Usrnet.Tests.Async;

/// <summary>
/// Connecting by name: stack A's resolver asks a name server that stack B runs on a
/// <see cref="UdpChannel"/> (www.example.test → B, slow.example.test never answered, anything else NXDOMAIN).
/// </summary>
public sealed class NetworkStackDnsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ConnectByNameResolvesThroughTheStackAndConnects()
    {
        await using AsyncStackPair pair = CreateWithNameServer(out Task server);
        await using TcpStreamListener listener = pair.B.ListenTcp(80);
        ValueTask<TcpStream> accepted = listener.AcceptAsync();
        await using TcpStream client = await pair.A.ConnectAsync("www.example.test", 80).WaitAsync(Limit);
        await using TcpStream serverSide = await accepted.AsTask().WaitAsync(Limit);
        Assert.Equal(AsyncStackPair.AddressB, client.RemoteEndpoint.Address);

        IReadOnlyList<Ipv4Address> addresses = await pair.A.ResolveAsync("www.example.test").WaitAsync(Limit);
        Assert.Equal([AsyncStackPair.AddressB], addresses);
        Assert.Equal([AsyncStackPair.AddressB], pair.A.DnsServers);
    }

    [Fact]
    public async Task AnUnknownNameIsHostNotFoundNamingNxdomain()
    {
        await using AsyncStackPair pair = CreateWithNameServer(out _);
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => pair.A.ConnectAsync("nothing.example.test", 80).WaitAsync(Limit));
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
        Assert.Contains("NXDOMAIN", e.Message, StringComparison.Ordinal);

        DnsQuery query = await pair.A.LookupAsync("nothing.example.test", DnsRecordType.A).WaitAsync(Limit);
        Assert.Equal(DnsError.NameError, query.Error);
    }

    [Fact]
    public async Task AnIpv4LiteralNeedsNoNameServer()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        Assert.Equal([AsyncStackPair.AddressB], await pair.A.ResolveAsync("10.0.0.2"));
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => pair.A.ResolveAsync("www.example.test").WaitAsync(Limit));
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode); // no server configured
    }

    [Fact]
    public async Task ALookupIsCancellable()
    {
        await using AsyncStackPair pair = CreateWithNameServer(out _);
        using CancellationTokenSource cancel = new(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pair.A.ResolveAsync("slow.example.test", cancel.Token).WaitAsync(Limit));
    }

    /// <summary>A pair whose stack A asks a name server on B (see the class summary); also for the HTTP tests.</summary>
    internal static AsyncStackPair CreateWithNameServer(out Task server)
    {
        AsyncStackPair pair = AsyncStackPair.Create(configureA: options => options with { DnsServers = [AsyncStackPair.AddressB] });
        UdpChannel udp = pair.B.OpenUdp(53);
        server = Task.Run(async () =>
        {
            byte[] buffer = new byte[512];
            while (true)
            {
                ReceivedDatagram query;
                try
                {
                    query = await udp.ReceiveAsync(buffer);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return; // the stack stopped
                }
                byte[] bytes = buffer[..query.Length];
                string text = System.Text.Encoding.ASCII.GetString(bytes);
                if (text.Contains("slow", StringComparison.Ordinal))
                {
                    continue;
                }
                DnsMessageBuilder reply = new(bytes);
                if (text.Contains("\u0003www", StringComparison.Ordinal))
                {
                    reply.A("www.example.test", "10.0.0.2");
                }
                else
                {
                    reply.ResponseCode = DnsResponseCode.NameError;
                }
                await udp.SendAsync(reply.Build(), query.RemoteEndpoint);
            }
        });
        return pair;
    }
}
