using Usrnet.Iface;
using Usrnet.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Dns;

/// <summary>
/// A scripted name server on port 53 of an interface: <see cref="AnswerUdp"/> and <see cref="AnswerTcp"/>
/// map each query to the reply (or null for silence). Polled by the test between interface polls.
/// </summary>
internal sealed class FakeDnsServer : IDisposable
{
    private readonly UdpSocket? _udp;
    private readonly TcpListenSocket? _listener;
    private readonly List<(TcpSocket Socket, List<byte> Received)> _connections = [];

    public FakeDnsServer(Interface iface, bool udp = true, bool tcp = true)
    {
        if (udp)
        {
            _udp = iface.Sockets.CreateUdpSocket();
            _udp.Bind(53);
        }
        if (tcp)
        {
            _listener = iface.Sockets.CreateTcpListenSocket();
            _listener.Listen(53);
        }
    }

    public Func<byte[], byte[]?> AnswerUdp { get; set; } = _ => null;

    public Func<byte[], byte[]?> AnswerTcp { get; set; } = _ => null;

    /// <summary>When set, a TCP reply is cut to this many bytes and the connection closed.</summary>
    public int? CutTcpReplyAt { get; set; }

    public List<byte[]> UdpQueries { get; } = [];

    public List<byte[]> TcpQueries { get; } = [];

    public void Poll()
    {
        byte[] buffer = new byte[65536];
        while (_udp is not null && _udp.TryReceiveFrom(buffer, out int length, out Ipv4Endpoint from))
        {
            byte[] query = buffer[..length];
            UdpQueries.Add(query);
            if (AnswerUdp(query) is { } reply)
            {
                Assert.True(_udp.TrySendTo(reply, from));
            }
        }
        while (_listener is not null && _listener.TryAccept(out TcpSocket accepted))
        {
            _connections.Add((accepted, []));
        }
        foreach ((TcpSocket socket, List<byte> received) in _connections)
        {
            int read;
            while (socket.CanReceive && (read = socket.Receive(buffer)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, read));
            }
            if (DnsTcpFraming.TryReadMessage(received.ToArray(), out ReadOnlySpan<byte> message, out int consumed))
            {
                byte[] query = message.ToArray();
                received.RemoveRange(0, consumed);
                TcpQueries.Add(query);
                if (AnswerTcp(query) is { } reply)
                {
                    byte[] framed = new byte[DnsTcpFraming.PrefixLength + reply.Length];
                    DnsTcpFraming.WritePrefix(framed, reply.Length);
                    reply.CopyTo(framed, DnsTcpFraming.PrefixLength);
                    if (CutTcpReplyAt is int cut)
                    {
                        framed = framed[..cut];
                    }
                    Assert.Equal(framed.Length, socket.Send(framed));
                    if (CutTcpReplyAt is not null)
                    {
                        socket.Shutdown();
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        _udp?.Dispose();
        _listener?.Dispose();
        foreach ((TcpSocket socket, _) in _connections)
        {
            socket.Dispose();
        }
    }
}
