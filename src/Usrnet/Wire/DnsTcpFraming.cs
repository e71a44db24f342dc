using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by a two-octet length field, in
/// network order, that does not count itself.
/// </summary>
internal static class DnsTcpFraming
{
    /// <summary>Length of the length field.</summary>
    public const int PrefixLength = 2;

    /// <summary>Writes the length field for a message of <paramref name="messageLength"/> bytes.</summary>
    /// <exception cref="ArgumentException">The buffer is shorter than the prefix, or the length does not fit in 16 bits.</exception>
    public static void WritePrefix(Span<byte> destination, int messageLength)
    {
        if (destination.Length < PrefixLength)
        {
            throw new ArgumentException("buffer shorter than the length prefix", nameof(destination));
        }
        if (messageLength is < 0 or > DnsMessage.MaxLength)
        {
            throw new ArgumentException("a DNS message over TCP is at most 65535 bytes", nameof(messageLength));
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)messageLength);
    }

    /// <summary>
    /// Takes the first whole message from bytes received on the stream: false while the prefix or the
    /// message is still incomplete. <paramref name="consumed"/> is the prefix plus the message.
    /// </summary>
    public static bool TryReadMessage(ReadOnlySpan<byte> stream, out ReadOnlySpan<byte> message, out int consumed)
    {
        message = default;
        consumed = 0;
        if (stream.Length < PrefixLength)
        {
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(stream);
        if (stream.Length - PrefixLength < length)
        {
            return false;
        }
        message = stream.Slice(PrefixLength, length);
        consumed = PrefixLength + length;
        return true;
    }
}
