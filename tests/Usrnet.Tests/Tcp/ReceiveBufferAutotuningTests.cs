using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// Receive-buffer autotuning (Linux's dynamic right-sizing) and buffers that hold memory only while
/// they hold data: a connection starts with a 64 KiB receive buffer, grows it to
/// <see cref="TcpSocketOptions.ReceiveBufferSize"/> when the peer fills it within a round trip and the
/// application keeps reading, never moves the window's right edge left (RFC 9293 §3.8.6), and an idle
/// connection's rings hold no bytes once it stayed quiet for <see cref="TcpSocket.BufferIdleTime"/>.
/// </summary>
public sealed class ReceiveBufferAutotuningTests
{
    private const int Mss = 1460;
    private const int RttMs = 10;

    /// <summary>The defaults (256 KiB at most, so shift 3), NewReno for exact arithmetic.</summary>
    private static readonly TcpSocketOptions s_options = TcpSocketOptions.Default with { CongestionControl = CongestionControlAlgorithm.NewReno };

    private static readonly TcpOptions s_peerSyn = new() { MaximumSegmentSize = Mss, WindowScale = 7 };

    [Fact]
    public void AFreshConnectionOffersTheInitialBufferWithTheScaleOfTheMaximum()
    {
        TcpHarness h = TcpHarness.Listening(s_options);
        Assert.NotNull(h.PeerSyn(s_peerSyn));

        SentSegment synAck = h.Recv();

        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(ushort.MaxValue, synAck.Header.WindowSize); // a SYN's window is never scaled (RFC 7323 §2.2)
        Assert.Equal((byte)3, synAck.Header.Options.WindowScale); // chosen from the 256 KiB maximum, not the 64 KiB start
        Assert.Equal(TcpSocket.InitialReceiveBuffer, h.Stats.ReceiveBufferSize);
        Assert.Equal(0, h.Stats.BufferMemory);
    }

    [Fact]
    public void APeerFillingTheWindowEachRoundTripWhileTheApplicationReadsGrowsItToTheMaximum()
    {
        TcpHarness h = TcpHarness.Established(s_options, s_peerSyn, rttMs: RttMs);
        int sent = 0;
        TcpSeqNumber rightEdge = h.Remote(0) + ushort.MaxValue; // what the SYN offered
        List<long> windows = [];
        for (int round = 0; round < 4; round++)
        {
            // The peer sends everything the window allows, at once; the application reads it all.
            int roundStart = sent;
            sent = FillTo(h, sent, rightEdge);
            Assert.Equal(TcpHarness.Pattern(roundStart, sent - roundStart), ReadAll(h));
            h.AdvanceMs(RttMs);
            SentSegment ack = h.RecvAll()[^1];
            Assert.Equal(h.Remote(sent), ack.Ack);
            long window = (long)ack.Header.WindowSize << 3;
            TcpSeqNumber edge = ack.Ack + (int)window;
            Assert.True(edge >= rightEdge, $"round {round}: the right edge moved left, {rightEdge} to {edge}");
            Assert.InRange(window, 0, h.Stats.ReceiveBufferSize); // never more than the buffer can take
            rightEdge = edge;
            windows.Add(window);
        }

        h.Advance(TcpSocket.BufferIdleTime);
        h.ExpectNothing();
        Assert.Equal(0, h.Stats.BufferMemory); // all read, and quiet since: the rings gave their memory back
        Assert.Equal(s_options.ReceiveBufferSize, h.Stats.ReceiveBufferSize);
        Assert.Equal(TcpSocket.InitialReceiveBuffer, windows[0]); // the first round: still the initial 64 KiB
        Assert.Equal(s_options.ReceiveBufferSize, windows[^1]); // then the whole 256 KiB
    }

    [Fact]
    public void APeerSendingLessThanTheWindowEachRoundTripGetsNoMoreBuffer()
    {
        TcpHarness h = TcpHarness.Established(s_options, s_peerSyn, rttMs: RttMs);
        int sent = 0;
        for (int round = 0; round < 6; round++)
        {
            // Ten segments a round trip: what an initial window carries (RFC 6928), a peer not limited by us.
            for (int i = 0; i < 10; i++)
            {
                h.SendNoReset(new Seg { Seq = h.Remote(sent), Ack = h.Local(0), Payload = TcpHarness.Pattern(sent, Mss) });
                sent += Mss;
            }
            ReadAll(h);
            h.AdvanceMs(RttMs);
            h.RecvAll();
        }

        Assert.Equal(TcpSocket.InitialReceiveBuffer, h.Stats.ReceiveBufferSize);
        Assert.Equal(sent, h.Stats.BytesReceived);
    }

    [Fact]
    public void AnApplicationThatDoesNotReadGetsNoMoreBufferAndTheWindowCloses()
    {
        TcpHarness h = TcpHarness.Established(s_options, s_peerSyn, rttMs: RttMs);
        int sent = FillTo(h, 0, h.Remote(ushort.MaxValue)); // the whole window the SYN offered
        for (int round = 0; round < 5; round++)
        {
            h.AdvanceMs(RttMs);
            SentSegment ack = h.RecvAll()[^1];
            Assert.Equal(h.Remote(sent), ack.Ack);
            Assert.Equal(0, ack.Header.WindowSize);
            h.SendNoReset(new Seg { Seq = h.Remote(sent), Ack = h.Local(0), Payload = TcpHarness.Pattern(sent, 1) }); // a window probe
        }

        Assert.Equal(TcpSocket.InitialReceiveBuffer, h.Stats.ReceiveBufferSize);
        Assert.Equal(ushort.MaxValue, h.Socket.BytesAvailable); // no probe's byte was taken
        Assert.Equal(TcpSocket.InitialReceiveBuffer, h.Stats.BufferMemory); // the bytes it holds, in one array of the initial buffer
    }

    [Fact]
    public void AnIdleEstablishedConnectionsRingsHoldNoBytes()
    {
        TcpHarness h = TcpHarness.Established(s_options, s_peerSyn, rttMs: RttMs);
        Assert.Equal(0, h.Socket.BufferCapacity);

        // Data both ways: each ring takes memory while it holds bytes...
        h.Write(0, 5000);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Payload = TcpHarness.Pattern(0, 3000) });
        Assert.InRange(h.Socket.BufferCapacity, 5000 + 3000, 4 * (5000 + 3000));

        // ...and gives it back once the peer acknowledged ours (Nagle holds the last 620 bytes for the
        // first ACK) and the application read the peer's.
        int acked = 0;
        while (acked < 5000)
        {
            acked += h.RecvAll().Sum(s => s.Payload.Length);
            h.SendNoReset(new Seg { Seq = h.Remote(3000), Ack = h.Local(acked) });
        }
        Assert.Equal(5000, acked);
        Assert.Equal(TcpHarness.Pattern(0, 3000), h.Read(4000));

        // Empty rings keep their arrays a while (a bulk transfer refills them at once)...
        Assert.NotEqual(0, h.Socket.BufferCapacity);
        Assert.Equal(h.Now + TcpSocket.BufferIdleTime, h.PollAt);
        h.Advance(TcpSocket.BufferIdleTime - TimeSpan.FromMilliseconds(1));
        h.ExpectNothing();
        Assert.NotEqual(0, h.Socket.BufferCapacity);
        // ...and give them back once the connection stayed quiet for BufferIdleTime.
        h.AdvanceMs(1);
        h.ExpectNothing();
        Assert.Null(h.PollAt);
        Assert.Equal(0, h.Socket.BufferCapacity);
        Assert.Equal(0, h.Stats.BufferMemory);
        Assert.Equal(TcpState.Established, h.Socket.State);
    }

    /// <summary>The peer sends full segments from stream offset <paramref name="sent"/> up to <paramref name="rightEdge"/>; returns the new offset.</summary>
    private static int FillTo(TcpHarness h, int sent, TcpSeqNumber rightEdge)
    {
        while (h.Remote(sent) < rightEdge)
        {
            int length = Math.Min(Mss, rightEdge - h.Remote(sent));
            h.SendNoReset(new Seg { Seq = h.Remote(sent), Ack = h.Local(0), Payload = TcpHarness.Pattern(sent, length) });
            sent += length;
        }
        return sent;
    }

    private static byte[] ReadAll(TcpHarness h)
    {
        byte[] all = h.Read(1 << 20);
        Assert.Equal(0, h.Socket.BytesAvailable);
        return all;
    }
}
