using System.Buffers.Binary;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Dhcp;
using Usrnet.Sockets.Dns;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Fuzz;

/// <summary>
/// A running stack for the interface target, built the same way for every input so that the sequence
/// numbers, ports and transaction IDs a seed was made with are the ones the fuzzer meets: an interface
/// 10.0.0.102/24 (gateway 10.0.0.101) over an in-memory link, a TCP listener on port 80 that echoes
/// what its connections send and closes when they do, a TCP connection to 10.0.0.101:5000 opened by a
/// scripted handshake, a UDP echo socket on port 7, a DNS resolver with a query in flight and a DHCP
/// client, all polled like an application would. Every frame the stack sends is checked
/// (<see cref="OutputValidator"/>); the last ones are kept for the seed writer.
/// </summary>
internal sealed class FuzzedStack : IDisposable
{
    // The lab's addresses, as the tests' fixtures use them (tests/Usrnet.Tests/Wire/PacketFixtures.cs).
    public static readonly EthernetAddress StackMac = EthernetAddress.Parse("02:00:00:00:00:01");
    public static readonly EthernetAddress PeerMac = EthernetAddress.Parse("02:00:00:00:00:02");
    public static readonly Ipv4Address StackAddress = ChecksumFixer.StackAddress;
    public static readonly Ipv4Address PeerAddress = ChecksumFixer.PeerAddress;

    /// <summary>The listener's port (the TCP fixtures talk to port 80).</summary>
    public const ushort ListenPort = 80;

    /// <summary>The UDP echo socket's port (RFC 862).</summary>
    public const ushort EchoPort = 7;

    /// <summary>The connected socket's own port and the peer's.</summary>
    public const ushort ClientLocalPort = 40000, ClientRemotePort = 5000;

    /// <summary>The peer's ISN in the scripted SYN-ACK.</summary>
    public const uint PeerInitialSequence = 1_000_000;

    /// <summary>The name the resolver's query asks for, type A.</summary>
    public const string QueryName = "www.example.test";

    /// <summary>Polls in a row at one instant before the stack counts as never going quiet.</summary>
    private const int MaxPollsPerInstant = 1000;

    /// <summary>Timers fired per call of <see cref="Advance"/>: keeps one input's work bounded.</summary>
    private const int MaxTimersPerAdvance = 64;

    private const int MaxAcceptedConnections = 8;
    private const int SocketBufferLength = 16 * 1024;
    private const int BulkWriteLength = 4096;
    private const int EchoChunkLength = 1024;

    /// <summary>Small rings: windows fill and flow control runs within a few frames, and little is allocated per input.</summary>
    private static readonly TcpSocketOptions s_tcpOptions = new() { SendBufferSize = SocketBufferLength, ReceiveBufferSize = SocketBufferLength };

    private readonly IDevice _peer;
    private readonly CapturingLogger _logger = new();
    private readonly TcpListenSocket _listener;
    private readonly List<TcpSocket> _accepted = [];
    private readonly Sockets.UdpSocket _udp;
    private readonly DnsResolver _resolver;
    private readonly DhcpClient _dhcp;
    private readonly byte[] _buffer = new byte[65536];
    private readonly List<byte[]> _sent = [];
    private bool _reading = true;

    public FuzzedStack(bool keepSent = false)
    {
        KeepSent = keepSent;
        MemoryLink.CreatePair(out IDevice stackEnd, out _peer);
        Interface = new Interface(stackEnd, new InterfaceOptions
        {
            HardwareAddress = StackMac,
            Address = new Ipv4Cidr(StackAddress, 24),
            Gateway = PeerAddress,
            Seed = 1,
        }, _logger);
        _listener = Interface.Sockets.CreateTcpListenSocket(s_tcpOptions);
        _listener.Listen(ListenPort, backlog: 4);
        _udp = Interface.Sockets.CreateUdpSocket();
        _udp.Bind(EchoPort);
        _resolver = new DnsResolver(Interface.Sockets, random: new Random(2)) { Servers = [PeerAddress] };
        _dhcp = new DhcpClient(Interface.Sockets, StackMac, random: new Random(3));
        Query = _resolver.StartQuery(QueryName, DnsRecordType.A, Now);
        Client = Interface.Sockets.CreateTcpSocket(s_tcpOptions);
        Client.Connect(Now, new Ipv4Endpoint(PeerAddress, ClientRemotePort), ClientLocalPort);
        OpenClient();
    }

    /// <summary>The interface under test.</summary>
    public Interface Interface { get; }

    /// <summary>The connection the stack opened to the peer; established after the constructor.</summary>
    public TcpSocket Client { get; }

    /// <summary>The resolver's query, in flight from the first poll.</summary>
    public DnsQuery Query { get; }

    /// <summary>The DHCP client, started on the first poll; its events are applied to the interface.</summary>
    public DhcpClient Dhcp => _dhcp;

    /// <summary>The client's initial send sequence number, as its SYN carried it.</summary>
    public uint ClientInitialSequence { get; private set; }

    /// <summary>Virtual time; starts at 1000 s.</summary>
    public Instant Now { get; private set; } = Instant.FromSeconds(1000);

    /// <summary>Keep every frame the stack sends in <see cref="Sent"/> (the seed writer reads them).</summary>
    public bool KeepSent { get; set; }

    /// <summary>What the stack sent since <see cref="Sent"/> was last cleared, when <see cref="KeepSent"/> is on.</summary>
    public List<byte[]> Sent => _sent;

    /// <summary>Hands one frame from the peer to the stack and runs everything due at this instant.</summary>
    public void Deliver(ReadOnlySpan<byte> frame, bool fixChecksums)
    {
        PacketBuffer buffer = PacketBuffer.Copy(frame);
        if (fixChecksums)
        {
            ChecksumFixer.FixFrame(buffer.Span);
        }
        _peer.Transmit(Now, buffer);
        Settle();
    }

    /// <summary>Moves virtual time forward by <paramref name="duration"/>, stopping at the stack's timers on the way (at most 64).</summary>
    public void Advance(TimeSpan duration)
    {
        Instant end = Now + duration;
        for (int i = 0; i < MaxTimersPerAdvance; i++)
        {
            Instant? next = Instant.Min(Instant.Min(Interface.PollAt(Now), _dhcp.PollAt(Now)), _resolver.PollAt(Now));
            if (next is not { } at || at > end)
            {
                break;
            }
            Now = at > Now ? at : Now;
            Settle();
        }
        Now = end;
        Settle();
    }

    /// <summary>What an application does between frames: a write, a half-close, a pause in reading.</summary>
    public void Act(bool shutdownClient, bool bulkWrite, bool toggleReading)
    {
        if (bulkWrite && Client.CanSend)
        {
            Client.Send(_buffer.AsSpan(0, BulkWriteLength));
        }
        if (shutdownClient && Client.IsSendOpen)
        {
            Client.Shutdown();
        }
        if (toggleReading)
        {
            _reading = !_reading;
        }
    }

    /// <summary>Polls the interface and everything on it until nothing happens at <see cref="Now"/>.</summary>
    public void Settle()
    {
        for (int i = 0; i < MaxPollsPerInstant; i++)
        {
            bool progress = Interface.Poll(Now);
            _logger.ThrowIfCaught();
            progress |= PollApplications();
            progress |= DrainPeer();
            if (!progress && !(Interface.PollAt(Now) <= Now))
            {
                return;
            }
        }
        throw new InvariantViolationException($"the stack never went quiet at {Now.TotalMicroseconds} µs: a busy loop");
    }

    private bool PollApplications()
    {
        bool progress = _resolver.Poll(Now, Interface.Address?.Address);
        _dhcp.Poll(Now);
        while (_dhcp.TakeEvent() is { } e)
        {
            Interface.Apply(e);
            progress = true;
        }
        while (_listener.TryAccept(out TcpSocket accepted))
        {
            if (_accepted.Count < MaxAcceptedConnections)
            {
                _accepted.Add(accepted);
            }
            else
            {
                accepted.Dispose();
            }
        }
        progress |= EchoTcp();
        progress |= EchoUdp();
        progress |= ReadClient();
        return progress;
    }

    private bool EchoTcp()
    {
        bool progress = false;
        for (int i = _accepted.Count - 1; i >= 0; i--)
        {
            TcpSocket socket = _accepted[i];
            while (_reading && socket.CanReceive && socket.CanSend)
            {
                int n = socket.Receive(_buffer.AsSpan(0, EchoChunkLength));
                socket.Send(_buffer.AsSpan(0, n));
                progress = true;
            }
            if (socket.IsReceiveComplete && socket.IsSendOpen)
            {
                socket.Shutdown();
                progress = true;
            }
            if (socket.State == TcpState.Closed)
            {
                socket.TryTakeError(out _);
                socket.Dispose();
                _accepted.RemoveAt(i);
            }
        }
        return progress;
    }

    private bool EchoUdp()
    {
        bool progress = false;
        while (_udp.TryReceiveFrom(_buffer, out int length, out Ipv4Endpoint from))
        {
            progress = true;
            // RFC 768: port 0 is no port to answer; UdpSocket refuses it, as an echo server must expect.
            if (from.Port != 0)
            {
                _udp.TrySendTo(_buffer.AsSpan(0, length), from);
            }
        }
        _udp.TryTakeError(out _);
        return progress;
    }

    private bool ReadClient()
    {
        bool progress = false;
        while (_reading && Client.CanReceive)
        {
            Client.Receive(_buffer);
            progress = true;
        }
        Client.TryTakeError(out _);
        return progress;
    }

    private bool DrainPeer()
    {
        bool any = false;
        while (_peer.Receive(Now) is { } frame)
        {
            any = true;
            using (frame)
            {
                OutputValidator.Check(frame.Span, StackMac, Interface.Mtu);
                if (KeepSent)
                {
                    _sent.Add(frame.Span.ToArray());
                }
            }
        }
        return any;
    }

    /// <summary>
    /// The scripted handshake: the stack asks ARP for the peer, gets an answer, sends its SYN, gets a
    /// SYN-ACK (MSS 1460, SACK-permitted, timestamps, window scale 7) and acknowledges it.
    /// </summary>
    private void OpenClient()
    {
        bool keep = KeepSent;
        KeepSent = true;
        Settle();
        Deliver(FrameBuilder.Arp(ArpOperation.Reply, PeerMac, PeerAddress, StackMac, StackAddress), fixChecksums: false);
        byte[] syn = _sent.Last(f => FrameBuilder.IsTcpTo(f, ClientRemotePort));
        TcpSegment.TryCreate(syn.AsSpan(FrameBuilder.TcpOffset), out TcpSegment view);
        TcpOptions.TryParse(view.Options, out TcpOptions synOptions);
        ClientInitialSequence = view.SequenceNumber.Value;
        TcpHeader synAck = new(ClientRemotePort, ClientLocalPort, new TcpSeqNumber(PeerInitialSequence), view.SequenceNumber + 1,
            TcpFlags.Syn | TcpFlags.Ack, ushort.MaxValue)
        {
            Options = new TcpOptions
            {
                MaximumSegmentSize = 1460,
                SackPermitted = true,
                WindowScale = 7,
                Timestamps = (1, synOptions.Timestamps?.Value ?? 0),
            },
        };
        Deliver(FrameBuilder.Tcp(synAck, []), fixChecksums: false);
        InvariantViolationException.Check(Client.State == TcpState.Established, $"the scripted handshake left the client in {Client.State}");
        if (!keep)
        {
            _sent.Clear();
        }
        KeepSent = keep;
    }

    public void Dispose()
    {
        foreach (TcpSocket socket in _accepted)
        {
            socket.Dispose();
        }
        Query.Dispose();
        _dhcp.Dispose();
        _udp.Dispose();
        Client.Dispose();
        _listener.Dispose();
        Interface.Dispose();
        _peer.Dispose();
    }
}
