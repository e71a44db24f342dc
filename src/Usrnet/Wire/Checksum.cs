using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum.</summary>
public static class Checksum
{
    /// <summary>
    /// Adds <paramref name="data"/> to a running 32-bit sum of 16-bit big-endian words; an odd final byte
    /// is padded with zero (RFC 1071 §4.1). Only the last chunk of a sum may have odd length.
    /// </summary>
    public static uint Accumulate(uint sum, ReadOnlySpan<byte> data)
    {
        ulong acc = sum;
        // Sum 32-bit big-endian words into a 64-bit accumulator: the one's complement sum is
        // independent of word size as long as carries are folded in at the end (RFC 1071 §2(B)).
        while (data.Length >= 8)
        {
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(data);
            acc += (word >> 32) + (word & 0xFFFF_FFFF);
            data = data[8..];
        }
        while (data.Length >= 2)
        {
            acc += BinaryPrimitives.ReadUInt16BigEndian(data);
            data = data[2..];
        }
        if (data.Length == 1)
        {
            acc += (uint)data[0] << 8;
        }
        // Fold 64 -> 32 bits keeping carries.
        acc = (acc & 0xFFFF_FFFF) + (acc >> 32);
        acc = (acc & 0xFFFF_FFFF) + (acc >> 32);
        return (uint)acc;
    }

    /// <summary>Folds a running sum to 16 bits and complements it.</summary>
    public static ushort Finish(uint sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    /// <summary>The checksum of <paramref name="data"/>.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Accumulate(0, data));

    /// <summary>
    /// The running sum of the IPv4 pseudo-header used by UDP and TCP (RFC 768; RFC 9293 §3.1):
    /// source, destination, zero, protocol, and the transport length.
    /// </summary>
    public static uint PseudoHeader(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, int length)
    {
        uint sum = (source.Value >> 16) + (source.Value & 0xFFFF)
                 + (destination.Value >> 16) + (destination.Value & 0xFFFF)
                 + (uint)protocol + (uint)length;
        return sum;
    }
}
