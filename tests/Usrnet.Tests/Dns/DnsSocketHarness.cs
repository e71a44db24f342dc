using System.Net.Sockets;
using Usrnet.Sockets;
using Usrnet.Sockets.Dns;
using Usrnet.Wire;

namespace Usrnet.Tests.Dns;

/// <summary>
/// A resolver on a socket set with no interface under it, driven in virtual time: the test takes the
/// datagrams the resolver's UDP sockets queued (as the interface would send them) and delivers answers
/// straight into those sockets, from any source it likes.
/// </summary>
internal sealed class DnsSocketHarness
{
    public static readonly Ipv4Address Local = Ipv4Address.Parse("10.0.0.102");
    public static readonly Ipv4Address Server1 = Ipv4Address.Parse("10.0.0.101");
    public static readonly Ipv4Address Server2 = Ipv4Address.Parse("10.0.0.53");

    public DnsSocketHarness(DnsResolverOptions? options = null, int seed = 1)
    {
        Sockets = new SocketSet(new Random(seed));
        Resolver = new DnsResolver(Sockets, options, new Random(seed + 1000)) { Servers = [Server1] };
    }

    public SocketSet Sockets { get; }

    public DnsResolver Resolver { get; }

    public Instant Now { get; private set; } = Instant.FromSeconds(500);

    /// <summary>The datagrams queued since the last call, taken off their sockets.</summary>
    public List<SentQuery> TakeSent()
    {
        List<SentQuery> sent = [];
        foreach (UdpSocket socket in Sockets.Udp)
        {
            while (socket.TryPeekOutgoing(out DatagramMetadata meta, out Span<byte> payload))
            {
                sent.Add(new SentQuery(socket, meta.Remote, payload.ToArray()));
                socket.DequeueOutgoing();
            }
        }
        return sent;
    }

    /// <summary>Takes exactly one queued datagram.</summary>
    public SentQuery TakeOne()
    {
        List<SentQuery> sent = TakeSent();
        Assert.Single(sent);
        return sent[0];
    }

    /// <summary>Delivers <paramref name="answer"/> to the socket <paramref name="query"/> left from, as if from <paramref name="from"/> (default: where it went), then polls.</summary>
    public void Deliver(SentQuery query, byte[] answer, Ipv4Endpoint? from = null)
    {
        query.Socket.Deliver(from ?? query.Server, 64, answer);
        Poll();
    }

    /// <summary>Reports an ICMP error on the query's socket, as the interface does, then polls.</summary>
    public void ReportError(SentQuery query, SocketError error)
    {
        query.Socket.ReportError(error);
        Poll();
    }

    public bool Poll() => Resolver.Poll(Now, Local);

    /// <summary>Moves virtual time to <paramref name="at"/> and polls.</summary>
    public void AdvanceTo(Instant at)
    {
        Assert.True(at >= Now);
        Now = at;
        Poll();
    }

    public void Advance(TimeSpan duration) => AdvanceTo(Now + duration);

    public DnsQuery Start(string name, DnsRecordType type = DnsRecordType.A) => Resolver.StartQuery(name, type, Now);
}

/// <summary>A datagram the resolver sent: the socket it left from, where it went, and its bytes.</summary>
internal sealed record SentQuery(UdpSocket Socket, Ipv4Endpoint Server, byte[] Bytes)
{
    public DnsHeader Header
    {
        get
        {
            Assert.True(DnsHeader.TryParse(Bytes, out DnsHeader header));
            return header;
        }
    }

    /// <summary>QNAME in presentation form.</summary>
    public string Name
    {
        get
        {
            Assert.True(DnsMessage.TryParse(Bytes, out DnsMessage message));
            Assert.True(message.TryGetQuestion(out DnsQuestion question));
            byte[] name = new byte[DnsName.MaxLength];
            Assert.True(question.TryGetName(name, out int length));
            return DnsName.ToText(name.AsSpan(0, length));
        }
    }

    public DnsRecordType Type
    {
        get
        {
            Assert.True(DnsMessage.TryParse(Bytes, out DnsMessage message));
            Assert.True(message.TryGetQuestion(out DnsQuestion question));
            return question.Type;
        }
    }

    public DnsMessageBuilder Answer() => new(Bytes);
}
