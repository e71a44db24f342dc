using System.Net.Sockets;
using Usrnet.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// A segment as the tests write it: flags, sequence and acknowledgment numbers, window, options and
/// payload. Ports are filled in by the harness. Used both for what the peer sends and for the exact
/// reply a test expects.
/// </summary>
internal sealed record Seg
{
    /// <summary>Control bits; a plain ACK unless told.</summary>
    public TcpFlags Flags { get; init; } = TcpFlags.Ack;

    /// <summary>SEG.SEQ.</summary>
    public TcpSeqNumber Seq { get; init; }

    /// <summary>SEG.ACK (significant with ACK; zero otherwise).</summary>
    public TcpSeqNumber Ack { get; init; }

    /// <summary>SEG.WND as on the wire, before scaling.</summary>
    public ushort Window { get; init; } = TcpHarness.DefaultWindow;

    /// <summary>Options.</summary>
    public TcpOptions Options { get; init; }

    /// <summary>Data.</summary>
    public byte[] Payload { get; init; } = [];

    public override string ToString() =>
        $"[{Flags}] seq={Seq} ack={Ack} win={Window} opts={Describe(Options)} len={Payload.Length}";

    internal static string Describe(TcpOptions o) =>
        $"{{mss={o.MaximumSegmentSize} ws={o.WindowScale} sackok={o.SackPermitted} ts={o.Timestamps} sack={o.SackBlocks}}}";
}

/// <summary>A segment the socket under test sent.</summary>
internal readonly record struct SentSegment(TcpHeader Header, byte[] Payload)
{
    public TcpFlags Flags => Header.Flags;

    public TcpSeqNumber Seq => Header.SequenceNumber;

    public TcpSeqNumber Ack => Header.AcknowledgmentNumber;

    public override string ToString() =>
        $"[{Header.Flags}] seq={Header.SequenceNumber} ack={Header.AcknowledgmentNumber} win={Header.WindowSize} opts={Seg.Describe(Header.Options)} len={Payload.Length}";
}

/// <summary>
/// Drives one <see cref="TcpSocket"/> segment by segment in virtual time, as smoltcp's socket tests do:
/// <see cref="Send"/> feeds it what the peer sends, <see cref="Recv(Seg)"/> checks the exact segment it
/// answers with, <see cref="ExpectNothing"/> that it has nothing to say, <see cref="Advance"/> moves the
/// clock. Sequence numbers are written relative to the two initial sequence numbers:
/// <see cref="Local"/>(n) is the n-th byte we send, <see cref="Remote"/>(n) the n-th byte the peer sends.
/// </summary>
internal sealed class TcpHarness
{
    public static readonly Ipv4Address LocalAddress = new(192, 168, 69, 1);
    public static readonly Ipv4Address RemoteAddress = new(192, 168, 69, 2);
    public const ushort LocalPort = 80;
    public const ushort RemotePort = 49500;

    /// <summary>The peer's ISS (its SYN's sequence number).</summary>
    public static readonly TcpSeqNumber RemoteIss = new(2_000_000_000);

    /// <summary>The receive buffer of the harness's default options: fills the 16-bit window exactly, so no scaling is needed.</summary>
    public const int DefaultReceiveBuffer = 65535;

    /// <summary>Window the peer advertises, and the one we advertise with an empty default buffer.</summary>
    public const ushort DefaultWindow = 65535;

    /// <summary>
    /// The window we advertise once the peer's FIN is in: the FIN took one sequence number of the
    /// window offered before it, and the right edge never moves left (RFC 9293 §3.8.6).
    /// </summary>
    public const ushort WindowAfterFin = DefaultWindow - 1;

    /// <summary>
    /// Options of the socket under test unless a test gives its own: NewReno, whose window arithmetic
    /// (halving, RFC 6582 inflation) the segment-level tests spell out; CUBIC has its own tests.
    /// </summary>
    public static readonly TcpSocketOptions DefaultOptions = new() { ReceiveBufferSize = DefaultReceiveBuffer, CongestionControl = CongestionControlAlgorithm.NewReno };

    /// <summary>The options of the peer's SYN unless a test gives its own: MSS only, like a minimal stack.</summary>
    public static readonly TcpOptions PlainSynOptions = new() { MaximumSegmentSize = 1460 };

    public Ipv4Endpoint LocalEndpoint { get; } = new(LocalAddress, LocalPort);

    public Ipv4Endpoint RemoteEndpoint { get; } = new(RemoteAddress, RemotePort);

    public SocketSet Set { get; } = CreateSet();

    public TcpSocket Socket { get; private set; } = null!;

    /// <summary>A set whose sockets open from <see cref="LocalAddress"/> over a route of MSS 1460 (an Ethernet MTU).</summary>
    private static SocketSet CreateSet()
    {
        SocketSet set = new(new Random(1234));
        set.Tcp.LocalAddress = LocalAddress;
        set.Tcp.RouteMss = 1460;
        return set;
    }

    public TcpListenSocket? Listener { get; private set; }

    public Instant Now { get; set; } = Instant.FromSeconds(10);

    /// <summary>Our ISS, learned from the SYN or SYN-ACK the socket sent.</summary>
    public TcpSeqNumber LocalIss { get; private set; }

    /// <summary>The TSval of our SYN minus the clock in milliseconds: our TSval at any time is this plus the clock.</summary>
    public uint TsOffset { get; private set; }

    public TcpStatistics Stats => Socket.Statistics;

    /// <summary>The n-th byte of our sequence space after the SYN.</summary>
    public TcpSeqNumber Local(int n) => LocalIss + 1 + n;

    /// <summary>The n-th byte of the peer's sequence space after its SYN.</summary>
    public TcpSeqNumber Remote(int n) => RemoteIss + 1 + n;

    /// <summary>The TSval the socket under test stamps on a segment sent now (RFC 7323 §5.4: a clock with a per-connection offset).</summary>
    public uint TsVal => unchecked((uint)Now.TotalMilliseconds + TsOffset);

    public void Advance(TimeSpan duration) => Now += duration;

    public void AdvanceMs(int milliseconds) => Now += TimeSpan.FromMilliseconds(milliseconds);

    // ---------------------------------------------------------------- building states

    /// <summary>A fresh closed socket.</summary>
    public static TcpHarness Closed(TcpSocketOptions? options = null)
    {
        TcpHarness h = new();
        h.Socket = h.Set.CreateTcpSocket(options ?? DefaultOptions);
        return h;
    }

    /// <summary>SYN-SENT: connect and take the SYN (checked only for being a SYN from our ISS).</summary>
    public static TcpHarness SynSent(TcpSocketOptions? options = null)
    {
        TcpHarness h = Closed(options);
        h.Socket.Connect(h.Now, h.RemoteEndpoint, TcpHarness.LocalPort);
        SentSegment syn = h.Recv();
        Assert.Equal(TcpFlags.Syn, syn.Flags);
        h.LearnIss(syn);
        return h;
    }

    /// <summary>
    /// ESTABLISHED by an active open: SYN, SYN-ACK with <paramref name="peerSynOptions"/> after
    /// <paramref name="rttMs"/> (the socket's first RTT sample), ACK.
    /// </summary>
    public static TcpHarness Established(TcpSocketOptions? options = null, TcpOptions? peerSynOptions = null, ushort peerWindow = DefaultWindow, int rttMs = 0)
    {
        TcpHarness h = SynSent(options);
        TcpOptions peer = peerSynOptions ?? PlainSynOptions;
        if (peer.Timestamps is { } ts)
        {
            peer = peer with { Timestamps = (ts.Value, h.TsVal) }; // echo our SYN's TSval
        }
        h.AdvanceMs(rttMs);
        h.Send(new Seg { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = RemoteIss, Ack = h.Local(0), Window = peerWindow, Options = peer });
        SentSegment ack = h.Recv();
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(h.Local(0), ack.Seq);
        Assert.Equal(h.Remote(0), ack.Ack);
        Assert.Equal(TcpState.Established, h.Socket.State);
        return h;
    }

    /// <summary>LISTEN: a listener on <see cref="LocalPort"/>; the socket is created by <see cref="PeerSyn"/>.</summary>
    public static TcpHarness Listening(TcpSocketOptions? options = null, int backlog = 128, int? maxHalfOpen = null)
    {
        TcpHarness h = new();
        h.Listener = h.Set.CreateTcpListenSocket(options ?? DefaultOptions);
        h.Listener.UseSynCookies = false;
        h.Listener.Listen(LocalPort, backlog, maxHalfOpen: maxHalfOpen);
        return h;
    }

    /// <summary>
    /// A SYN from the peer (at <paramref name="remotePort"/>) to the listener; returns the socket it created,
    /// if any, and makes it the socket under test.
    /// </summary>
    public TcpSocket? PeerSyn(TcpOptions? options = null, ushort remotePort = RemotePort, ushort window = DefaultWindow, TcpSeqNumber? seq = null)
    {
        Assert.NotNull(Listener);
        TcpHeader syn = new(remotePort, LocalPort, seq ?? RemoteIss, default, TcpFlags.Syn, window) { Options = options ?? PlainSynOptions };
        Ipv4Endpoint remote = new(RemoteAddress, remotePort);
        int before = Set.Tcp.Count;
        TcpHeader? cookie = Listener.ProcessSyn(Now, LocalEndpoint, remote, syn);
        Assert.Null(cookie);
        if (Set.Tcp.Count == before)
        {
            return null;
        }
        Socket = Set.Tcp[^1];
        return Socket;
    }

    /// <summary>SYN-RECEIVED by a passive open: the listener's socket answered the peer's SYN with a SYN-ACK.</summary>
    public static TcpHarness SynReceived(TcpSocketOptions? options = null, TcpOptions? peerSynOptions = null)
    {
        TcpHarness h = Listening(options);
        Assert.NotNull(h.PeerSyn(peerSynOptions));
        SentSegment synAck = h.Recv();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        h.LearnIss(synAck);
        Assert.Equal(TcpState.SynReceived, h.Socket.State);
        return h;
    }

    /// <summary>ESTABLISHED by a passive open; the connection is in the listener's accept queue.</summary>
    public static TcpHarness EstablishedPassive(TcpSocketOptions? options = null)
    {
        TcpHarness h = SynReceived(options);
        h.Send(new Seg { Seq = h.Remote(0), Ack = h.Local(0) });
        Assert.Equal(TcpState.Established, h.Socket.State);
        h.ExpectNothing();
        return h;
    }

    /// <summary>FIN-WAIT-1: established, closed by us, FIN sent and not yet acknowledged.</summary>
    public static TcpHarness FinWait1(TcpSocketOptions? options = null)
    {
        TcpHarness h = Established(options);
        h.Socket.Shutdown();
        h.Recv(new Seg { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Local(0), Ack = h.Remote(0) });
        Assert.Equal(TcpState.FinWait1, h.Socket.State);
        return h;
    }

    /// <summary>FIN-WAIT-2: our FIN acknowledged.</summary>
    public static TcpHarness FinWait2(TcpSocketOptions? options = null)
    {
        TcpHarness h = FinWait1(options);
        h.Send(new Seg { Seq = h.Remote(0), Ack = h.Local(1) });
        h.ExpectNothing();
        Assert.Equal(TcpState.FinWait2, h.Socket.State);
        return h;
    }

    /// <summary>TIME-WAIT: the peer's FIN arrived in FIN-WAIT-2 and was acknowledged.</summary>
    public static TcpHarness TimeWait(TcpSocketOptions? options = null)
    {
        TcpHarness h = FinWait2(options);
        h.Send(new Seg { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Remote(0), Ack = h.Local(1) });
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
        return h;
    }

    /// <summary>CLOSE-WAIT: the peer's FIN arrived in ESTABLISHED and was acknowledged.</summary>
    public static TcpHarness CloseWait(TcpSocketOptions? options = null)
    {
        TcpHarness h = Established(options);
        h.Send(new Seg { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Remote(0), Ack = h.Local(0) });
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.CloseWait, h.Socket.State);
        return h;
    }

    /// <summary>LAST-ACK: closed by us in CLOSE-WAIT, our FIN sent.</summary>
    public static TcpHarness LastAck(TcpSocketOptions? options = null)
    {
        TcpHarness h = CloseWait(options);
        h.Socket.Shutdown();
        h.Recv(new Seg { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Local(0), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.LastAck, h.Socket.State);
        return h;
    }

    /// <summary>CLOSING: both FINs crossed; the peer's was acknowledged, ours not yet.</summary>
    public static TcpHarness Closing(TcpSocketOptions? options = null)
    {
        TcpHarness h = FinWait1(options);
        h.Send(new Seg { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Remote(0), Ack = h.Local(0) });
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.Closing, h.Socket.State);
        return h;
    }

    private void LearnIss(SentSegment syn)
    {
        LocalIss = syn.Seq;
        if (syn.Header.Options.Timestamps is { } ts)
        {
            TsOffset = unchecked(ts.Value - (uint)Now.TotalMilliseconds);
        }
    }

    // ---------------------------------------------------------------- the exchange

    /// <summary>Feeds the socket a segment from the peer; returns the reset it answers with at once, if any.</summary>
    public TcpHeader? Send(Seg segment)
    {
        TcpHeader header = new(RemotePort, LocalPort, segment.Seq, segment.Ack, segment.Flags, segment.Window) { Options = segment.Options };
        return Socket.Process(Now, header, segment.Payload);
    }

    /// <summary>Feeds the socket a segment and checks it answers with no reset.</summary>
    public void SendNoReset(Seg segment) => Assert.Null(Send(segment));

    /// <summary>The next segment the socket sends now, if any.</summary>
    public SentSegment? TryRecv()
    {
        if (!Socket.TryDispatch(Now, out TcpHeader header, out int dataOffset, out int dataLength))
        {
            return null;
        }
        byte[] payload = new byte[dataLength];
        if (dataLength > 0)
        {
            Socket.CopyPayload(dataOffset, payload);
        }
        Assert.Equal(LocalPort, header.SourcePort);
        Assert.Equal(RemotePort, header.DestinationPort);
        return new SentSegment(header, payload);
    }

    /// <summary>The next segment the socket sends now; fails when it has none.</summary>
    public SentSegment Recv()
    {
        SentSegment? segment = TryRecv();
        Assert.True(segment.HasValue, $"expected a segment at {Now}, socket: {Socket}");
        return segment.Value;
    }

    /// <summary>Checks the next segment is exactly <paramref name="expected"/>: flags, numbers, window, options and payload.</summary>
    public SentSegment Recv(Seg expected) => Check(Recv(), expected);

    /// <summary>Checks a segment already taken is exactly <paramref name="expected"/>.</summary>
    public static SentSegment Check(SentSegment actual, Seg expected)
    {
        Assert.Equal(expected.ToString(), new Seg
        {
            Flags = actual.Flags,
            Seq = actual.Seq,
            Ack = actual.Ack,
            Window = actual.Header.WindowSize,
            Options = actual.Header.Options,
            Payload = actual.Payload,
        }.ToString());
        TcpHeader header = new(LocalPort, RemotePort, expected.Seq, expected.Ack, expected.Flags, expected.Window) { Options = expected.Options };
        Assert.Equal(header, actual.Header);
        Assert.Equal(expected.Payload, actual.Payload);
        return actual;
    }

    /// <summary>Takes every segment the socket sends now.</summary>
    public List<SentSegment> RecvAll()
    {
        List<SentSegment> all = [];
        while (TryRecv() is { } segment)
        {
            all.Add(segment);
            Assert.True(all.Count < 10_000, "the socket never stops sending");
        }
        return all;
    }

    /// <summary>Checks the socket has nothing to send now.</summary>
    public void ExpectNothing()
    {
        SentSegment? segment = TryRecv();
        Assert.False(segment.HasValue, $"expected nothing at {Now}, got {segment}");
        // A socket with nothing to send must not ask to be polled again now: its poll loop would spin.
        Assert.True(PollAt is not { } at || at > Now, $"nothing to send at {Now}, yet PollAt is {PollAt}: {Socket}");
    }

    /// <summary>The instant the socket asks to be polled at.</summary>
    public Instant? PollAt => Socket.PollAt(Now);

    /// <summary>Moves the clock to the socket's next poll time (which must exist).</summary>
    public void AdvanceToPoll()
    {
        Instant? at = PollAt;
        Assert.True(at.HasValue, "the socket has no timer running");
        if (at.Value > Now)
        {
            Now = at.Value;
        }
    }

    /// <summary>Application writes <paramref name="data"/>; all of it must fit.</summary>
    public void Write(ReadOnlySpan<byte> data) => Assert.Equal(data.Length, Socket.Send(data));

    /// <summary>Application writes <paramref name="count"/> bytes of a known pattern starting at stream offset <paramref name="from"/>.</summary>
    public void Write(int from, int count) => Write(Pattern(from, count));

    /// <summary>Application reads up to <paramref name="count"/> bytes.</summary>
    public byte[] Read(int count)
    {
        byte[] buffer = new byte[count];
        int n = Socket.Receive(buffer);
        return buffer[..n];
    }

    /// <summary>Bytes n..n+count of a deterministic stream, so every segment's payload can be checked exactly.</summary>
    public static byte[] Pattern(int from, int count)
    {
        byte[] bytes = new byte[count];
        for (int i = 0; i < count; i++)
        {
            bytes[i] = (byte)((from + i) * 7 + ((from + i) >> 8));
        }
        return bytes;
    }

    /// <summary>The error the connection ended with, without taking it.</summary>
    public SocketError Error => Socket.Error;
}
