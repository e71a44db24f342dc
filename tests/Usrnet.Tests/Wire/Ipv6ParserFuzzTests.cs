using System.Buffers.Binary;
using Usrnet.Wire;
using static Usrnet.Tests.Wire.Ipv6Fixtures;

namespace Usrnet.Tests.Wire;

/// <summary>
/// Malformed IPv6 input is counted and dropped, never thrown: the IPv6 view, the extension header walk,
/// ICMPv6, NDP and its options must survive any bytes at all (as <see cref="ParserFuzzTests"/> for IPv4).
/// </summary>
public sealed class Ipv6ParserFuzzTests
{
    private static readonly byte[] NextHeaders = [0, 43, 44, 58, 59, 60, 17, 6];

    /// <summary>The fixtures as whole packets: the bare ICMPv6 ones behind a header with hop limit 255.</summary>
    private static byte[][] Packets() =>
    [
        Bytes(EchoRequestPacket),
        Bytes(MldV2ReportPacket),
        .. new[] { NeighborSolicitation, DadNeighborSolicitation, NeighborAdvertisement, RouterSolicitation, RouterAdvertisement }
            .Select(hex => NdpPacket(Bytes(hex))),
    ];

    private static byte[] NdpPacket(byte[] message)
    {
        byte[] packet = Packet(58, message, Ipv6Address.AllNodes);
        packet[7] = Ipv6Header.NeighborDiscoveryHopLimit;
        return packet;
    }

    [Fact]
    public void Ipv6ParsersNeverThrowOnRandomBuffers()
    {
        var random = new Random(8200);
        byte[] storage = new byte[1600];
        for (int i = 0; i < 50_000; i++)
        {
            int length = random.Next(4) == 0 ? random.Next(storage.Length + 1) : random.Next(40, 160);
            Span<byte> buffer = storage.AsSpan(0, length);
            random.NextBytes(buffer);
            if (length >= Ipv6Packet.HeaderLength)
            {
                // Version 6, a payload length that mostly fits, and a chain that starts with a header the walker knows.
                buffer[0] = (byte)(0x60 | (buffer[0] & 0x0F));
                int payload = random.Next(2) == 0 ? length - Ipv6Packet.HeaderLength : random.Next(length);
                BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], (ushort)payload);
                buffer[6] = NextHeaders[random.Next(NextHeaders.Length)];
                buffer[7] = random.Next(2) == 0 ? Ipv6Header.NeighborDiscoveryHopLimit : buffer[7];
                for (int h = Ipv6Packet.HeaderLength; h + 1 < length && random.Next(3) != 0; h += (buffer[h + 1] + 1) * 8)
                {
                    buffer[h] = NextHeaders[random.Next(NextHeaders.Length)];
                    buffer[h + 1] = (byte)random.Next(3);
                }
            }
            Exercise(buffer);
        }
    }

    [Fact]
    public void Ipv6ParsersNeverThrowOnBitFlipsAndPrefixesOfRealPackets()
    {
        var random = new Random(4861);
        byte[][] packets = Packets();
        for (int i = 0; i < 20_000; i++)
        {
            byte[] packet = (byte[])packets[random.Next(packets.Length)].Clone();
            for (int f = random.Next(1, 5); f > 0; f--)
            {
                int bit = random.Next(Ipv6Packet.HeaderLength * 8, packet.Length * 8);
                packet[bit / 8] ^= (byte)(1 << (bit % 8));
            }
            Exercise(packet);
        }
        foreach (byte[] packet in packets)
        {
            for (int end = 0; end <= packet.Length; end++)
            {
                Exercise(packet.AsSpan(0, end));
                Exercise(packet.AsSpan(Ipv6Packet.HeaderLength <= end ? Ipv6Packet.HeaderLength : 0, end - (Ipv6Packet.HeaderLength <= end ? Ipv6Packet.HeaderLength : 0)));
            }
        }
    }

    /// <summary>Calls every IPv6 parser on <paramref name="buffer"/> and every accessor of every view that opened.</summary>
    private static long Exercise(Span<byte> buffer)
    {
        long sink = 0;
        if (Ipv6Header.TryParseQuoted(buffer, out Ipv6Header quoted))
        {
            sink += quoted.GetHashCode();
        }
        if (Ipv6Packet.TryCreate(buffer, out Ipv6Packet packet))
        {
            Assert.Equal(packet.PayloadLength, packet.Payload.Length);
            sink += Ipv6Header.From(packet).GetHashCode();
            Ipv6HeaderChain chain = Ipv6HeaderChain.Walk(packet);
            sink += chain.GetHashCode();
            if (chain.SendParameterProblem)
            {
                Assert.InRange(chain.ParameterProblemPointer, 0, packet.Buffer.Length - 1);
            }
            if (chain.Error == Ipv6ChainError.None)
            {
                Assert.InRange(chain.UpperLayerOffset, Ipv6Packet.HeaderLength, packet.Buffer.Length);
                Assert.InRange(chain.HeaderCount, 0, Ipv6HeaderChain.MaxHeaders);
                sink += Icmp(packet.Buffer[chain.UpperLayerOffset..], packet.HopLimit, packet.Source, packet.Destination);
            }
        }
        return sink + Icmp(buffer, Ipv6Header.NeighborDiscoveryHopLimit, PeerLinkLocal, StackLinkLocal);
    }

    private static long Icmp(ReadOnlySpan<byte> message, byte hopLimit, Ipv6Address source, Ipv6Address destination)
    {
        long sink = IcmpV6Message.TryParse(message, source, destination, out IcmpV6Message icmp) ? icmp.GetHashCode() : 0;
        if (NdpMessage.TryCreate(message, hopLimit, source, destination, out NdpMessage ndp) != NdpError.None)
        {
            return sink;
        }
        // Every accessor of every type: a field the type lacks reads as 0.
        sink += ndp.CurHopLimit + ndp.RouterLifetime + ndp.ReachableTime + ndp.RetransTimer + (ndp.Managed ? 1 : 0) + (ndp.OtherConfiguration ? 1 : 0)
            + (ndp.Router ? 1 : 0) + (ndp.Solicited ? 1 : 0) + (ndp.Override ? 1 : 0) + ndp.TargetAddress.GetHashCode() + ndp.RedirectDestination.GetHashCode();
        var reader = new NdpOptionReader(ndp.Options);
        while (reader.TryReadNext(out NdpOption option))
        {
            if (!option.IsWellFormed)
            {
                continue;
            }
            sink += option.Type switch
            {
                NdpOptionType.SourceLinkLayerAddress or NdpOptionType.TargetLinkLayerAddress => option.LinkLayerAddress.GetHashCode(),
                NdpOptionType.PrefixInformation => option.Prefix.GetHashCode() + option.ValidLifetime + option.PreferredLifetime,
                NdpOptionType.Mtu => option.Mtu,
                NdpOptionType.RecursiveDnsServer => option.RdnssLifetime + option.RdnssAddress(option.RdnssAddressCount - 1).GetHashCode(),
                _ => option.Length,
            };
        }
        Assert.False(reader.IsMalformed);
        return sink;
    }
}
