using System.Buffers.Binary;

namespace Usrnet.Benchmarks;

/// <summary>
/// The scalar Internet checksum the stack used before it was vectorised: 32-bit big-endian words into a
/// 64-bit accumulator (RFC 1071 §2(C), §2(D)), kept here as the baseline the vector code is measured against.
/// </summary>
internal static class ScalarChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running sum of 16-bit big-endian words, as <see cref="Wire.Checksum.Accumulate"/>.</summary>
    public static uint Accumulate(uint sum, ReadOnlySpan<byte> data)
    {
        ulong acc = sum;
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
            acc += (uint)data[0] << 8; // RFC 1071 §4.1: an odd final byte padded with zero
        }
        acc = (acc & 0xFFFF_FFFF) + (acc >> 32);
        acc = (acc & 0xFFFF_FFFF) + (acc >> 32);
        return (uint)acc;
    }
}
