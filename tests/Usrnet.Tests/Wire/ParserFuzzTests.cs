using Usrnet.Iface;
using Usrnet.Wire;

namespace Usrnet.Tests.Wire;

/// <summary>
/// Malformed input is counted and dropped, never thrown (docs/articles/design.md §2): every parser and every accessor
/// of a view it returns must survive any bytes at all.
/// </summary>
public sealed class ParserFuzzTests
{
    [Fact]
    public void ParsersNeverThrowOnRandomBuffers()
    {
        var random = new Random(20240601);
        byte[] storage = new byte[1600];
        for (int i = 0; i < 100_000; i++)
        {
            // Mostly short buffers, where the length checks live; some up to a full frame.
            int length = random.Next(4) == 0 ? random.Next(storage.Length + 1) : random.Next(80);
            Span<byte> buffer = storage.AsSpan(0, length);
            random.NextBytes(buffer);
            if (length > 0 && random.Next(2) == 0)
            {
                // Make version 4 and a plausible IHL and total length likely, so the deeper paths run.
                buffer[0] = (byte)(0x40 | random.Next(16));
                if (length >= 4)
                {
                    int total = random.Next(2) == 0 ? length : random.Next(length + 8);
                    buffer[2] = (byte)(total >> 8);
                    buffer[3] = (byte)total;
                }
            }
            ExerciseEverything(buffer);
        }
    }

    [Fact]
    public void ParsersNeverThrowOnBitFlipsOfRealPackets()
    {
        var random = new Random(826);
        byte[][] fixtures = [.. PacketFixtures.All()];
        for (int i = 0; i < 50_000; i++)
        {
            byte[] packet = (byte[])fixtures[random.Next(fixtures.Length)].Clone();
            int flips = random.Next(1, 5);
            for (int f = 0; f < flips; f++)
            {
                int bit = random.Next(packet.Length * 8);
                packet[bit / 8] ^= (byte)(1 << (bit % 8));
            }
            int length = random.Next(3) == 0 ? random.Next(packet.Length + 1) : packet.Length;
            ExerciseEverything(packet.AsSpan(0, length));
            // The fixtures start at Ethernet or at IPv4: try both layers below as well.
            if (length > EthernetHeader.Length)
            {
                ExerciseEverything(packet.AsSpan(EthernetHeader.Length, length - EthernetHeader.Length));
            }
            if (length > Ipv4Header.Length)
            {
                ExerciseEverything(packet.AsSpan(Ipv4Header.Length, length - Ipv4Header.Length));
            }
        }
    }

    [Fact]
    public void ParsersNeverThrowOnEveryPrefixOfEveryFixture()
    {
        foreach (byte[] packet in PacketFixtures.All())
        {
            for (int start = 0; start < packet.Length; start++)
            {
                for (int end = start; end <= packet.Length; end++)
                {
                    ExerciseEverything(packet.AsSpan(start, end - start));
                }
            }
        }
    }

    /// <summary>Calls every parser on <paramref name="buffer"/> and every accessor of every view that opened.</summary>
    private static long ExerciseEverything(Span<byte> buffer)
    {
        long sink = Checksum.Compute(buffer);

        if (EthernetFrame.TryCreate(buffer, out EthernetFrame frame))
        {
            sink += frame.Destination.GetHashCode() + frame.Source.GetHashCode() + (int)frame.EtherType + frame.Payload.Length + frame.Buffer.Length;
            Assert.Equal(buffer.Length - EthernetFrame.HeaderLength, frame.Payload.Length);
        }
        if (EthernetHeader.TryParse(buffer, out EthernetHeader ethernet))
        {
            sink += ethernet.GetHashCode();
        }

        if (ArpPacket.TryCreate(buffer, out ArpPacket arp))
        {
            sink += arp.HardwareType + (int)arp.ProtocolType + arp.HardwareLength + arp.ProtocolLength + (int)arp.Operation
                + arp.SenderHardwareAddress.GetHashCode() + arp.SenderProtocolAddress.GetHashCode()
                + arp.TargetHardwareAddress.GetHashCode() + arp.TargetProtocolAddress.GetHashCode();
        }
        if (ArpHeader.TryParse(buffer, out ArpHeader arpHeader))
        {
            Assert.True(arpHeader.Operation is ArpOperation.Request or ArpOperation.Reply);
            sink += arpHeader.GetHashCode();
        }

        if (Ipv4Packet.TryCreate(buffer, out Ipv4Packet ip))
        {
            Assert.InRange(ip.HeaderLength, Ipv4Packet.MinHeaderLength, Ipv4Packet.MaxHeaderLength);
            Assert.InRange(ip.TotalLength, ip.HeaderLength, buffer.Length);
            Assert.Equal(ip.TotalLength - ip.HeaderLength, ip.Payload.Length);
            Assert.Equal(ip.HeaderLength - Ipv4Packet.MinHeaderLength, ip.Options.Length);
            sink += ip.TypeOfService + ip.Identification + (ip.DontFragment ? 1 : 0) + (ip.MoreFragments ? 1 : 0)
                + ip.FragmentOffset + (ip.IsFragment ? 1 : 0) + ip.TimeToLive + (int)ip.Protocol + ip.HeaderChecksum
                + ip.Source.GetHashCode() + ip.Destination.GetHashCode() + ip.Header.Length + ip.Buffer.Length
                + (ip.VerifyChecksum() ? 1 : 0);
            Ipv4Header fromView = Ipv4Header.From(ip);
            sink += fromView.GetHashCode();
            sink += (IcmpErrorPolicy.MayReplyTo(ip, false, false) ? 1 : 0);
        }
        if (Ipv4Header.TryParse(buffer, out Ipv4Header ipHeader, out int ipHeaderLength))
        {
            Assert.InRange(ipHeaderLength, Ipv4Packet.MinHeaderLength, Ipv4Packet.MaxHeaderLength);
            Assert.InRange(ipHeader.PayloadLength, 0, buffer.Length - ipHeaderLength);
            sink += ipHeader.GetHashCode();
        }
        if (Ipv4Header.TryParseQuoted(buffer, out Ipv4Header quoted, out int quotedLength))
        {
            Assert.InRange(quotedLength, Ipv4Packet.MinHeaderLength, buffer.Length);
            Assert.True(quoted.PayloadLength >= 0);
            sink += quoted.GetHashCode();
        }

        if (IcmpV4Message.TryParse(buffer, out IcmpV4Message icmp))
        {
            sink += icmp.Identifier + icmp.SequenceNumber + icmp.NextHopMtu + (icmp.IsError ? 1 : 0) + icmp.GetHashCode();
        }

        if (UdpDatagram.TryCreate(buffer, out UdpDatagram udp))
        {
            Assert.InRange(udp.Length, UdpDatagram.HeaderLength, buffer.Length);
            sink += udp.SourcePort + udp.DestinationPort + udp.Length + udp.ChecksumField + udp.Payload.Length
                + (udp.VerifyChecksum(new Ipv4Address(10, 0, 0, 101), new Ipv4Address(10, 0, 0, 102)) ? 1 : 0);
        }
        if (UdpHeader.TryParse(buffer, new Ipv4Address(10, 0, 0, 101), new Ipv4Address(10, 0, 0, 102), out UdpHeader udpHeader, out int udpPayload))
        {
            Assert.InRange(udpPayload, 0, buffer.Length - UdpHeader.Length);
            sink += udpHeader.GetHashCode();
        }
        return sink;
    }
}
