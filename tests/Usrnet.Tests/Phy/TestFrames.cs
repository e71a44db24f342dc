using System.Buffers.Binary;
using Usrnet.Phy;

namespace Usrnet.Tests.Phy;

/// <summary>Numbered Ethernet frames for device tests: the number sits right after the Ethernet header.</summary>
internal static class TestFrames
{
    /// <summary>IEEE 802 Local Experimental EtherType 1: no dissector or stack claims it.</summary>
    public const ushort ExperimentalEtherType = 0x88b5;

    public const int MinimumLength = 60;

    public static PacketBuffer Numbered(int number, int length = MinimumLength, ushort etherType = ExperimentalEtherType)
    {
        PacketBuffer frame = PacketBuffer.Rent(length);
        Span<byte> bytes = frame.Span;
        bytes.Clear();
        bytes[..6].Fill(0xff);                                           // broadcast destination
        ReadOnlySpan<byte> source = [0x06, 0x11, 0x22, 0x33, 0x44, 0x55];
        source.CopyTo(bytes[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[12..], etherType);
        if (length >= 18)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes[14..], number);
            for (int i = 18; i < length; i++)
            {
                bytes[i] = (byte)(number + i);
            }
        }
        return frame;
    }

    public static byte[] NumberedBytes(int number, int length = MinimumLength)
    {
        using PacketBuffer frame = Numbered(number, length);
        return frame.Span.ToArray();
    }

    public static int NumberOf(PacketBuffer frame) => BinaryPrimitives.ReadInt32BigEndian(frame.Span[14..]);

    /// <summary>Takes every frame the device has ready at <paramref name="now"/>, as byte arrays.</summary>
    public static List<byte[]> DrainBytes(IDevice device, Instant now)
    {
        List<byte[]> frames = [];
        while (device.Receive(now) is { } frame)
        {
            using (frame)
            {
                frames.Add(frame.Span.ToArray());
            }
        }
        return frames;
    }

    /// <summary>Takes every frame the device has ready at <paramref name="now"/>, as their numbers.</summary>
    public static List<int> DrainNumbers(IDevice device, Instant now)
    {
        List<int> numbers = [];
        while (device.Receive(now) is { } frame)
        {
            using (frame)
            {
                numbers.Add(NumberOf(frame));
            }
        }
        return numbers;
    }
}
