using System.Security.Cryptography;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.StackToStack;

/// <summary>
/// TCP over an in-memory link whose devices fill and verify checksums and cut large segments
/// (<see cref="DeviceCapabilities.WithOffloads"/>), and over the same link with offloads off.
/// </summary>
public class OffloadTests
{
    private const int Mtu = 1500;

    [Fact]
    public void BulkDataCrossesAnOffloadLinkInSegmentsLargerThanTheMtuWhoseWirePiecesFitIt()
    {
        OffloadRecorder? recorder = null;
        using TwoStacks net = new(capabilities: DeviceCapabilities.WithOffloads(Mtu), wrapA: d => recorder = new OffloadRecorder(d));
        byte[] data = RandomBytes(8_000_000, seed: 11);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(Transfer(net, data)));

        Assert.NotNull(recorder);
        Assert.True(recorder.LargestFrame > Mtu + EthernetHeader.Length, $"largest frame {recorder.LargestFrame} bytes");
        Assert.True(recorder.SegmentedFrames > 0);
        // Every segment the device cuts has pieces that fit the wire: headers plus gso_size within the MTU.
        Assert.True(recorder.LargestWirePiece <= Mtu + EthernetHeader.Length, $"largest wire piece {recorder.LargestWirePiece} bytes");
        // The checksum fields hold only pseudo-header sums, so a stack that verified them would have dropped them all.
        Assert.True(recorder.PartialChecksums > 0);
        Assert.Equal(0, net.B.Counters.DroppedBadChecksum);
        Assert.Equal(0, net.A.Counters.DroppedBadChecksum);
    }

    [Fact]
    public void WithoutOffloadsNoFrameIsLargerThanTheMtuAndEveryChecksumIsFilled()
    {
        OffloadRecorder? recorder = null;
        using TwoStacks net = new(capabilities: new DeviceCapabilities { Mtu = Mtu }, wrapA: d => recorder = new OffloadRecorder(d));
        byte[] data = RandomBytes(2_000_000, seed: 12);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(Transfer(net, data)));

        Assert.NotNull(recorder);
        Assert.Equal(Mtu + EthernetHeader.Length, recorder.LargestFrame);
        Assert.Equal(0, recorder.SegmentedFrames);
        Assert.Equal(0, recorder.PartialChecksums);
        Assert.Equal(0, recorder.BadTcpChecksums);
    }

    [Fact]
    public void AFaultInjectorThatCorruptsFramesTurnsOffloadsOffSoTheStackCatchesTheDamage()
    {
        FaultOptions corrupt = new() { CorruptChance = 0.02, Seed = 5 };
        OffloadRecorder? recorder = null;
        using TwoStacks net = new(faultsA: corrupt, capabilities: DeviceCapabilities.WithOffloads(Mtu), wrapA: d => recorder = new OffloadRecorder(d));
        Assert.NotNull(net.FaultsA);
        Assert.False(net.FaultsA.Capabilities.ChecksumOffloadOnTransmit);
        Assert.False(net.FaultsA.Capabilities.SegmentationOffload);
        byte[] data = RandomBytes(1_000_000, seed: 13);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(Transfer(net, data)));

        Assert.NotNull(recorder);
        Assert.Equal(0, recorder.PartialChecksums); // A sent every checksum itself, through the injector
        Assert.True(net.FaultsA.Counters.Corrupted > 0);
        // Corrupted frames in either direction were caught by a checksum, never taken as good.
        Assert.True(net.A.Counters.DroppedBadChecksum + net.B.Counters.DroppedBadChecksum + net.A.Counters.DroppedMalformed + net.B.Counters.DroppedMalformed
            + net.A.Counters.DroppedNotForUs + net.B.Counters.DroppedNotForUs > 0);
    }

    [Fact]
    public void PartialChecksumCompletedInSoftwareIsTheChecksumTheStackWouldHaveWritten()
    {
        TcpHeader header = new(1234, 80, new TcpSeqNumber(1000), new TcpSeqNumber(2000), TcpFlags.Ack | TcpFlags.Psh, 512)
        {
            Options = new TcpOptions { Timestamps = (7u, 9u) },
        };
        Ipv4Address source = Ipv4Address.Parse("10.0.0.1"), destination = Ipv4Address.Parse("10.0.0.2");
        byte[] full = new byte[header.Length + 777];
        RandomBytes(777, seed: 3).CopyTo(full, header.Length);
        byte[] partial = (byte[])full.Clone();
        header.WriteTo(full, source, destination);
        header.WriteTo(partial, source, destination, partialChecksum: true);
        Assert.NotEqual(full, partial);

        byte[] frame = new byte[40 + partial.Length];
        partial.CopyTo(frame, 40);
        Assert.True(PacketOffload.PartialTcp(40).TryCompleteChecksum(frame, out PacketOffload completed));

        Assert.Equal(ChecksumState.None, completed.Checksum);
        Assert.Equal(full, frame[40..]);
    }

    private static byte[] Transfer(TwoStacks net, byte[] data)
    {
        using TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80);
        TcpSocket client = net.A.Sockets.CreateTcpSocket();
        client.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
        Assert.True(net.RunUntil(() => listener.CanAccept, TimeSpan.FromSeconds(5)));
        Assert.True(listener.TryAccept(out TcpSocket server));
        using MemoryStream received = new();
        byte[] sink = new byte[64 * 1024];
        int sent = 0;
        Assert.True(net.RunUntil(() =>
        {
            sent += client.Send(data.AsSpan(sent));
            int n;
            while ((n = server.Receive(sink)) > 0)
            {
                received.Write(sink, 0, n);
            }
            return received.Length == data.Length;
        }, TimeSpan.FromSeconds(120)), $"received {received.Length} of {data.Length} bytes");
        client.Dispose();
        server.Dispose();
        return received.ToArray();
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Looks at every frame a device transmits: sizes, offload requests and TCP checksums.</summary>
    private sealed class OffloadRecorder(IDevice inner) : IDevice
    {
        public int LargestFrame { get; private set; }

        public int LargestWirePiece { get; private set; }

        public int SegmentedFrames { get; private set; }

        public int PartialChecksums { get; private set; }

        public int BadTcpChecksums { get; private set; }

        public DeviceCapabilities Capabilities => inner.Capabilities;

        public PacketBuffer? Receive(Instant now) => inner.Receive(now);

        public bool Transmit(Instant now, PacketBuffer frame)
        {
            PacketOffload offload = frame.Offload;
            LargestFrame = Math.Max(LargestFrame, frame.Length);
            if (offload.IsSegmented)
            {
                SegmentedFrames++;
                LargestWirePiece = Math.Max(LargestWirePiece, offload.HeaderLength + offload.SegmentSize);
            }
            else
            {
                LargestWirePiece = Math.Max(LargestWirePiece, frame.Length);
            }
            if (offload.Checksum == ChecksumState.Partial)
            {
                PartialChecksums++;
            }
            else if (EthernetFrame.TryCreate(frame.Span, out EthernetFrame ethernet) && ethernet.EtherType == EtherType.Ipv4
                && Ipv4Packet.TryCreate(ethernet.Payload, out Ipv4Packet ip) && ip.Protocol == IpProtocol.Tcp
                && (!TcpSegment.TryCreate(ip.Payload, out TcpSegment tcp) || !tcp.VerifyChecksum(ip.Source, ip.Destination)))
            {
                BadTcpChecksums++;
            }
            return inner.Transmit(now, frame);
        }

        public Instant? PollAt(Instant now) => inner.PollAt(now);

        public void Wait(TimeSpan? timeout) => inner.Wait(timeout);

        public void Wake() => inner.Wake();

        public void Dispose() => inner.Dispose();
    }
}
