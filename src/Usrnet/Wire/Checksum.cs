using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Usrnet.Wire;

/// <summary>The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum.</summary>
internal static class Checksum
{
    /// <summary>
    /// Vectors summed into one set of 32-bit lanes before they are folded: each lane takes one 16-bit
    /// word of at most 0xFFFF per vector, and 65536 of them still fit in 32 bits.
    /// </summary>
    private const int MaxVectorsPerFold = 1 << 16;

    /// <summary>
    /// Shortest data summed with vectors: below it (IPv4 headers, pure ACKs) adding up a vector's lanes
    /// costs more than the scalar loop over the few words they hold (see BENCHMARKS.md, "Hot paths").
    /// </summary>
    private const int MinVectorLength = 64;

    /// <summary>The mask of the low 16-bit word of a 32-bit lane.</summary>
    private const uint LowWord = 0xFFFF;

    /// <summary>
    /// Adds <paramref name="data"/> to a running 32-bit sum of 16-bit big-endian words; an odd final byte
    /// is padded with zero (RFC 1071 §4.1). Only the last chunk of a sum may have odd length.
    /// </summary>
    public static uint Accumulate(uint sum, ReadOnlySpan<byte> data)
    {
        // RFC 1071 §2(B): the sum does not depend on byte order, so the vectors add the words as the
        // machine loads them; §2(C), §2(D): in parallel lanes, with the carries folded in at the end.
        // The vector loops take whole vectors from the start, so the scalar tail begins on a word boundary.
        ulong native = 0;
        if (data.Length >= MinVectorLength)
        {
            if (Vector256.IsHardwareAccelerated)
            {
                native += SumVector256(data, out int summed);
                data = data[summed..];
            }
            if (Vector128.IsHardwareAccelerated)
            {
                native += SumVector128(data, out int summed);
                data = data[summed..];
            }
        }
        ulong acc = SumBigEndian(sum, data) + ToNetworkOrder(native);
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

    /// <summary>
    /// The running sum of the IPv6 pseudo-header used by ICMPv6, UDP and TCP over IPv6 (RFC 8200 §8.1):
    /// source, destination, the 32-bit upper-layer packet length and the upper-layer Next Header value.
    /// The destination is the final one (the last address of a routing header), and the length is the
    /// upper-layer header and data, without the extension headers before it.
    /// </summary>
    public static uint PseudoHeader(Ipv6Address source, Ipv6Address destination, IpProtocol nextHeader, int upperLayerLength)
    {
        // At most 18 words of 0xFFFF: the sum stays far below 2^32.
        uint sum = SumWords(source.Value) + SumWords(destination.Value)
                 + ((uint)upperLayerLength >> 16) + ((uint)upperLayerLength & 0xFFFF) + (uint)nextHeader;
        return sum;
    }

    /// <summary>The sum of the eight 16-bit words of an IPv6 address.</summary>
    private static uint SumWords(UInt128 value)
    {
        uint sum = 0;
        for (int i = 0; i < 8; i++)
        {
            sum += (uint)(ushort)value;
            value >>= 16;
        }
        return sum;
    }

    /// <summary>
    /// Sums the 16-bit words, in the machine's byte order, of the whole 32-byte vectors at the start of
    /// <paramref name="data"/>; <paramref name="summed"/> is their length in bytes. Loads are unaligned:
    /// a TCP header starts at offset 34 of a frame. Internal so that tests reach each width on any machine.
    /// </summary>
    internal static ulong SumVector256(ReadOnlySpan<byte> data, out int summed)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int vectors = data.Length / Vector256<byte>.Count;
        ulong sum = 0;
        for (int i = 0; i < vectors;)
        {
            Vector256<uint> low = Vector256<uint>.Zero, high = Vector256<uint>.Zero;
            for (int end = Math.Min(vectors, i + MaxVectorsPerFold); i < end; i++)
            {
                Vector256<uint> words = Vector256.LoadUnsafe(ref start, (nuint)i * (nuint)Vector256<byte>.Count).AsUInt32();
                low += words & Vector256.Create(LowWord);
                high += Vector256.ShiftRightLogical(words, 16);
            }
            sum += Vector256.Sum(Vector256.WidenLower(low) + Vector256.WidenUpper(low) + Vector256.WidenLower(high) + Vector256.WidenUpper(high));
        }
        summed = vectors * Vector256<byte>.Count;
        return sum;
    }

    /// <summary>As <see cref="SumVector256"/>, with 16-byte vectors.</summary>
    internal static ulong SumVector128(ReadOnlySpan<byte> data, out int summed)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int vectors = data.Length / Vector128<byte>.Count;
        ulong sum = 0;
        for (int i = 0; i < vectors;)
        {
            Vector128<uint> low = Vector128<uint>.Zero, high = Vector128<uint>.Zero;
            for (int end = Math.Min(vectors, i + MaxVectorsPerFold); i < end; i++)
            {
                Vector128<uint> words = Vector128.LoadUnsafe(ref start, (nuint)i * (nuint)Vector128<byte>.Count).AsUInt32();
                low += words & Vector128.Create(LowWord);
                high += Vector128.ShiftRightLogical(words, 16);
            }
            sum += Vector128.Sum(Vector128.WidenLower(low) + Vector128.WidenUpper(low) + Vector128.WidenLower(high) + Vector128.WidenUpper(high));
        }
        summed = vectors * Vector128<byte>.Count;
        return sum;
    }

    /// <summary>Adds the big-endian 16-bit words of <paramref name="data"/> to <paramref name="sum"/>, padding an odd final byte with zero (RFC 1071 §4.1).</summary>
    private static ulong SumBigEndian(ulong sum, ReadOnlySpan<byte> data)
    {
        // 32-bit words into a 64-bit accumulator: the sum is independent of word size as long as the
        // carries are folded in at the end (RFC 1071 §2(C), §2(D)).
        while (data.Length >= 8)
        {
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(data);
            sum += (word >> 32) + (word & 0xFFFF_FFFF);
            data = data[8..];
        }
        while (data.Length >= 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data);
            data = data[2..];
        }
        if (data.Length == 1)
        {
            sum += (uint)data[0] << 8;
        }
        return sum;
    }

    /// <summary>
    /// A sum of words added in the machine's byte order, as a sum congruent to that of the same words in
    /// network order (RFC 1071 §2(B)): swapping the bytes of a 16-bit word multiplies it by 256 modulo
    /// 0xFFFF (as 2^16 = 1 there), and so does swapping every word of a sum. The sum is below 2^46 (a span
    /// holds fewer than 2^30 words), so the shifted sum fits; it is zero only when the sum is.
    /// </summary>
    internal static ulong ToNetworkOrder(ulong native) => BitConverter.IsLittleEndian ? native << 8 : native;
}
