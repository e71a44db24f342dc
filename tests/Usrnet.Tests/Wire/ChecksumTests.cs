using Usrnet.Wire;
using static Usrnet.Tests.Wire.PacketFixtures;

namespace Usrnet.Tests.Wire;

public sealed class ChecksumTests
{
    /// <summary>RFC 1071 straight from the text: 16-bit words, end-around carry, pad an odd byte with zero.</summary>
    private static ushort Reference(ReadOnlySpan<byte> data, ulong initial = 0)
    {
        ulong sum = initial;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (ulong)((data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0));
        }
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    [Fact]
    public void ChecksumMatchesTheExampleOfRfc1071()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to 2ddf0, folded ddf2.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];

        Assert.Equal(0xddf2u, Fold(Checksum.Accumulate(0, data)));
        Assert.Equal(0x220d, Checksum.Compute(data));
    }

    [Fact]
    public void ChecksumPadsAnOddFinalByteWithZero()
    {
        Assert.Equal(0xFEFF, Checksum.Compute([0x01]));
        Assert.Equal(0xFBFD, Checksum.Compute([0x01, 0x02, 0x03]));
        Assert.Equal(Checksum.Compute([0xAB, 0xCD, 0xEF, 0x00]), Checksum.Compute([0xAB, 0xCD, 0xEF]));
    }

    [Fact]
    public void ChecksumOfNothingIsAllOnes()
    {
        Assert.Equal(0xFFFF, Checksum.Compute([]));
    }

    [Fact]
    public void ChecksumFoldsCarriesOfManyAllOnesWords()
    {
        byte[] data = new byte[4001];
        data.AsSpan().Fill(0xFF);

        Assert.Equal(Reference(data), Checksum.Compute(data));
        Assert.Equal(Reference(data.AsSpan(0, 4000)), Checksum.Compute(data.AsSpan(0, 4000)));
    }

    [Fact]
    public void ChecksumAgreesWithRfc1071ForEveryLengthUpTo300()
    {
        var random = new Random(1071);
        for (int length = 0; length <= 300; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Reference(data), Checksum.Compute(data));
        }
    }

    [Fact]
    public void ChecksumAccumulatedOverEvenChunksEqualsTheWhole()
    {
        var random = new Random(42);
        for (int trial = 0; trial < 2000; trial++)
        {
            byte[] data = new byte[random.Next(0, 200)];
            random.NextBytes(data);
            uint sum = 0;
            int at = 0;
            while (at < data.Length)
            {
                // Every chunk but the last has even length (the contract of Accumulate).
                int chunk = Math.Min(data.Length - at, 2 * random.Next(0, 20));
                if (chunk == 0 && data.Length - at < 2)
                {
                    chunk = data.Length - at;
                }
                sum = Checksum.Accumulate(sum, data.AsSpan(at, chunk));
                at += chunk;
            }
            Assert.Equal(Checksum.Compute(data), Checksum.Finish(sum));
        }
    }

    [Fact]
    public void ChecksumAccumulateFromALargeRunningSumStillFolds()
    {
        var random = new Random(7);
        byte[] data = new byte[999];
        random.NextBytes(data);

        foreach (uint start in new uint[] { 0xFFFF_FFFF, 0xFFFF_0000, 0x8000_0001, 0x0001_FFFF })
        {
            Assert.Equal(Reference(data, start), Checksum.Finish(Checksum.Accumulate(start, data)));
        }
    }

    [Fact]
    public void ChecksumOverAHeaderHoldingItsOwnChecksumIsZero()
    {
        byte[] packet = Bytes(EchoRequestFrame)[EthernetHeader.Length..];

        Assert.Equal(0, Checksum.Compute(packet.AsSpan(0, Ipv4Header.Length)));
        Assert.Equal(0, Checksum.Compute(packet.AsSpan(Ipv4Header.Length)));
    }

    [Fact]
    public void ChecksumPseudoHeaderMatchesTheUdpFixture()
    {
        byte[] datagram = Bytes(UdpPacket)[Ipv4Header.Length..];
        // RFC 768 pseudo-header: source, destination, zero, protocol, UDP length.
        byte[] pseudo = [10, 0, 0, 101, 10, 0, 0, 102, 0, 17, 0, (byte)datagram.Length];

        uint sum = Checksum.PseudoHeader(Gateway, Stack, IpProtocol.Udp, datagram.Length);

        Assert.Equal(Fold(Checksum.Accumulate(0, pseudo)), Fold(sum));
        Assert.Equal(0, Checksum.Finish(Checksum.Accumulate(sum, datagram)));
    }

    private static uint Fold(uint sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return sum;
    }
}
