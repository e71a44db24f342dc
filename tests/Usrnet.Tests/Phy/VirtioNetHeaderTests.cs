using System.Buffers.Binary;
using Usrnet.Phy;

namespace Usrnet.Tests.Phy;

/// <summary>The virtio-net header a TAP with offloads exchanges before each frame (virtio 1.2 §5.1.6).</summary>
public sealed class VirtioNetHeaderTests
{
    private const int TransportStart = 14 + 20;
    private const int HeaderLength = TransportStart + 32;

    [Fact]
    public void TheLayoutIsFlagsGsoTypeThenFourHostOrderWords()
    {
        VirtioNetHeader header = new()
        {
            Flags = VirtioNetHeader.FlagNeedsChecksum,
            GsoType = VirtioNetHeader.GsoTcpV4,
            HeaderLength = 0x0102,
            GsoSize = 0x0304,
            ChecksumStart = 0x0506,
            ChecksumOffset = 0x0708,
        };
        byte[] bytes = new byte[VirtioNetHeader.Length];

        header.WriteTo(bytes);

        // Little-endian on x86_64 and arm64, the platforms the TAP supports (legacy tun: host order).
        Assert.True(BitConverter.IsLittleEndian);
        Assert.Equal(new byte[] { 1, 1, 0x02, 0x01, 0x04, 0x03, 0x06, 0x05, 0x08, 0x07 }, bytes);
        Assert.Equal(header, VirtioNetHeader.Read(bytes));
    }

    [Fact]
    public void AFrameWithNoOffloadGetsAnAllZeroHeader()
    {
        Assert.True(VirtioNetHeader.TryFromOffload(default, Frame(100), out VirtioNetHeader header));

        Assert.Equal(default, header);
    }

    [Fact]
    public void AVerifiedFrameGoesOutAsItIs()
    {
        Assert.True(VirtioNetHeader.TryFromOffload(new PacketOffload { Checksum = ChecksumState.Verified }, Frame(100), out VirtioNetHeader header));

        Assert.Equal(default, header);
    }

    [Fact]
    public void APartialChecksumAsksTheKernelToFillIt()
    {
        Assert.True(VirtioNetHeader.TryFromOffload(PacketOffload.PartialTcp(TransportStart), Frame(100), out VirtioNetHeader header));

        Assert.Equal(
            new VirtioNetHeader { Flags = VirtioNetHeader.FlagNeedsChecksum, ChecksumStart = TransportStart, ChecksumOffset = PacketOffload.TcpChecksumOffset },
            header);
    }

    [Fact]
    public void AnIpv4SegmentToCutIsTcpV4WithItsSegmentSizeAndHeaders()
    {
        Assert.True(VirtioNetHeader.TryFromOffload(PacketOffload.PartialTcp(TransportStart, 1448, HeaderLength), Frame(65_000), out VirtioNetHeader header));

        Assert.Equal(
            new VirtioNetHeader
            {
                Flags = VirtioNetHeader.FlagNeedsChecksum,
                GsoType = VirtioNetHeader.GsoTcpV4,
                HeaderLength = HeaderLength,
                GsoSize = 1448,
                ChecksumStart = TransportStart,
                ChecksumOffset = PacketOffload.TcpChecksumOffset,
            },
            header);
    }

    [Fact]
    public void AnIpv6SegmentToCutIsTcpV6()
    {
        const int Ipv6TransportStart = 14 + 40;

        Assert.True(VirtioNetHeader.TryFromOffload(PacketOffload.PartialTcp(Ipv6TransportStart, 1428, Ipv6TransportStart + 32), Frame(9000, 0x86DD), out VirtioNetHeader header));

        Assert.Equal(VirtioNetHeader.GsoTcpV6, header.GsoType);
    }

    [Theory]
    [InlineData(96, 16, 0, 0)]     // the checksum field ends past the frame
    [InlineData(-1, 16, 0, 0)]     // a negative start
    [InlineData(34, 16, 1448, 200)] // segment headers longer than the frame
    [InlineData(34, 16, 70_000, 66)] // a segment size gso_size cannot hold
    public void OffloadsThatDoNotFitTheFrameAreRefused(int start, int offset, int segmentSize, int headerLength)
    {
        PacketOffload offload = new() { Checksum = ChecksumState.Partial, ChecksumStart = start, ChecksumOffset = offset, SegmentSize = segmentSize, HeaderLength = headerLength };

        Assert.False(VirtioNetHeader.TryFromOffload(offload, Frame(100), out _));
    }

    [Fact]
    public void ASegmentToCutWithAFinalChecksumIsRefused()
    {
        Assert.False(VirtioNetHeader.TryFromOffload(new PacketOffload { SegmentSize = 1448, HeaderLength = HeaderLength }, Frame(9000), out _));
    }

    [Fact]
    public void ASegmentOfNeitherIpv4NorIpv6IsRefused()
    {
        Assert.False(VirtioNetHeader.TryFromOffload(PacketOffload.PartialTcp(TransportStart, 1448, HeaderLength), Frame(9000, 0x0806), out _));
    }

    [Fact]
    public void AReceivedCoalescedSegmentIsPartialWithItsSegmentSize()
    {
        VirtioNetHeader header = new()
        {
            Flags = VirtioNetHeader.FlagNeedsChecksum,
            GsoType = VirtioNetHeader.GsoTcpV4,
            HeaderLength = HeaderLength,
            GsoSize = 1448,
            ChecksumStart = TransportStart,
            ChecksumOffset = PacketOffload.TcpChecksumOffset,
        };

        Assert.True(header.TryToOffload(65_000, out PacketOffload offload));

        Assert.Equal(PacketOffload.PartialTcp(TransportStart, 1448, HeaderLength), offload);
    }

    [Fact]
    public void DataValidMeansVerified()
    {
        Assert.True(new VirtioNetHeader { Flags = VirtioNetHeader.FlagDataValid }.TryToOffload(100, out PacketOffload offload));

        Assert.Equal(new PacketOffload { Checksum = ChecksumState.Verified }, offload);
    }

    [Fact]
    public void AnAllZeroHeaderMeansNothingIsKnown()
    {
        Assert.True(default(VirtioNetHeader).TryToOffload(60, out PacketOffload offload));

        Assert.Equal(default, offload);
    }

    [Fact]
    public void TheEcnFlagOnASegmentIsAccepted()
    {
        VirtioNetHeader header = new() { GsoType = VirtioNetHeader.GsoTcpV4 | VirtioNetHeader.GsoEcn, GsoSize = 1448, HeaderLength = HeaderLength };

        Assert.True(header.TryToOffload(9000, out PacketOffload offload));

        Assert.Equal(1448, offload.SegmentSize);
    }

    [Theory]
    [InlineData(VirtioNetHeader.FlagNeedsChecksum, 0, 0, 0, 90, 16)] // checksum field past the end of a 100-byte frame
    [InlineData(VirtioNetHeader.FlagNeedsChecksum, 0, 0, 0, 99, 0)]  // a 2-byte field starting at the last byte
    [InlineData(0, VirtioNetHeader.GsoTcpV4, 0, 66, 0, 0)]            // gso_size 0
    [InlineData(0, VirtioNetHeader.GsoTcpV4, 1448, 101, 0, 0)]        // hdr_len past the end
    [InlineData(0, 3, 1472, 42, 0, 0)]                                // VIRTIO_NET_HDR_GSO_UDP, never negotiated
    [InlineData(0, 5, 1472, 42, 0, 0)]                                // VIRTIO_NET_HDR_GSO_UDP_L4, never negotiated
    public void MalformedReceivedHeadersAreRefused(byte flags, byte gsoType, int gsoSize, int hdrLen, int start, int offset)
    {
        VirtioNetHeader header = new()
        {
            Flags = flags,
            GsoType = gsoType,
            GsoSize = (ushort)gsoSize,
            HeaderLength = (ushort)hdrLen,
            ChecksumStart = (ushort)start,
            ChecksumOffset = (ushort)offset,
        };

        Assert.False(header.TryToOffload(100, out PacketOffload offload));
        Assert.Equal(default, offload);
    }

    [Fact]
    public void WhatGoesOutComesBackTheSame()
    {
        PacketOffload sent = PacketOffload.PartialTcp(TransportStart, 1448, HeaderLength);
        byte[] frame = Frame(30_000);
        Assert.True(VirtioNetHeader.TryFromOffload(sent, frame, out VirtioNetHeader header));
        byte[] bytes = new byte[VirtioNetHeader.Length];
        header.WriteTo(bytes);

        Assert.True(VirtioNetHeader.Read(bytes).TryToOffload(frame.Length, out PacketOffload received));

        Assert.Equal(sent, received);
    }

    /// <summary>A frame of <paramref name="length"/> bytes whose Ethernet header says <paramref name="etherType"/>.</summary>
    private static byte[] Frame(int length, ushort etherType = 0x0800)
    {
        byte[] frame = new byte[length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
        return frame;
    }
}
