using System.Text;

namespace Usrnet.Wire;

/// <summary>
/// Domain names on the wire (RFC 1035 §3.1, §4.1.4): a sequence of labels, each a length octet and that
/// many octets, ended by the zero-length root label; inside a message a name may end instead with a
/// two-octet pointer to an earlier occurrence of its remaining labels (compression).
/// </summary>
/// <remarks>
/// <para>Names here are held in their uncompressed wire form (at most <see cref="MaxLength"/> octets), so
/// decoding needs no allocation: callers pass a buffer of <see cref="MaxLength"/> bytes.</para>
/// <para>Decoding is written for hostile input: a pointer must point before the start of the labels it
/// ends (so a chain of pointers strictly moves backward and cannot loop, RFC 9267 §2), a label may not
/// be longer than 63 octets, the whole name not longer than 255, and the reserved label types
/// 01 and 10 (RFC 6891 §5) are refused. Every failure is a false return, never an exception.</para>
/// </remarks>
internal static class DnsName
{
    /// <summary>Longest name on the wire, length octets and root label included (RFC 1035 §2.3.4).</summary>
    public const int MaxLength = 255;

    /// <summary>Longest label (RFC 1035 §2.3.4): the two top bits of a length octet are zero.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>Length of a compression pointer (RFC 1035 §4.1.4).</summary>
    public const int PointerLength = 2;

    /// <summary>The top two bits of a length octet that make it a pointer (RFC 1035 §4.1.4).</summary>
    private const byte PointerTag = 0xC0;

    /// <summary>The wire form of the root name: one zero octet.</summary>
    public static ReadOnlySpan<byte> Root => [0];

    /// <summary>
    /// Encodes a name in presentation form ("www.example.test", with or without the final dot; "." is the
    /// root) into its uncompressed wire form. A backslash escapes the next character, or three decimal
    /// digits give an octet (RFC 4343 §2.1), as <see cref="ToText"/> writes them. False when a label is
    /// empty or longer than 63 octets, the name is longer than 255, a character is not ASCII, or
    /// <paramref name="destination"/> is too small. Names are not converted from Unicode: give
    /// internationalised names in their ASCII (A-label) form.
    /// </summary>
    public static bool TryEncode(ReadOnlySpan<char> text, Span<byte> destination, out int written)
    {
        written = 0;
        if (text.IsEmpty)
        {
            return false;
        }
        if (text is ".")
        {
            return TryAppend(destination, ref written, 0);
        }
        int labelStart = -1; // index in destination of the current label's length octet
        int i = 0;
        while (i < text.Length)
        {
            if (labelStart < 0)
            {
                labelStart = written;
                if (!TryAppend(destination, ref written, 0))
                {
                    return false;
                }
            }
            char c = text[i];
            if (c == '.')
            {
                if (written - labelStart - 1 == 0)
                {
                    return false; // an empty label: "a..b" or ".a"
                }
                labelStart = -1;
                i++;
                continue;
            }
            byte octet;
            if (c == '\\')
            {
                if (i + 1 >= text.Length)
                {
                    return false;
                }
                if (i + 3 < text.Length && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) && char.IsAsciiDigit(text[i + 3]))
                {
                    int value = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                    if (value > byte.MaxValue)
                    {
                        return false;
                    }
                    octet = (byte)value;
                    i += 4;
                }
                else if (char.IsAsciiDigit(text[i + 1]))
                {
                    return false; // "\1" or "\12": a decimal escape needs three digits
                }
                else if (text[i + 1] > 0x7E || text[i + 1] < 0x20)
                {
                    return false;
                }
                else
                {
                    octet = (byte)text[i + 1];
                    i += 2;
                }
            }
            else if (c is < (char)0x21 or > (char)0x7E)
            {
                return false; // space, control or non-ASCII: refuse rather than guess an encoding
            }
            else
            {
                octet = (byte)c;
                i++;
            }
            if (written - labelStart - 1 == MaxLabelLength || !TryAppend(destination, ref written, octet))
            {
                return false;
            }
            destination[labelStart] = (byte)(written - labelStart - 1);
        }
        // The root label ends every name; a trailing dot in the text only said so explicitly.
        return TryAppend(destination, ref written, 0) && written <= MaxLength;
    }

    /// <summary>
    /// Decodes the possibly compressed name at <paramref name="offset"/> of <paramref name="message"/>
    /// into its uncompressed wire form. <paramref name="end"/> is the offset just after the name as it
    /// sits at <paramref name="offset"/> (after its first pointer, if any): where the next field starts.
    /// False, never an exception, when the name runs out of the message, a pointer does not point
    /// strictly before the labels it ends (a loop, a pointer to itself or forward), a label uses a
    /// reserved type, the name exceeds 255 octets or <paramref name="destination"/> is too small.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int written, out int end)
    {
        written = 0;
        end = -1;
        if ((uint)offset >= (uint)message.Length)
        {
            return false;
        }
        int position = offset;
        int segmentStart = offset; // where the labels being read began: a pointer must aim before it
        while (true)
        {
            if (position >= message.Length)
            {
                return false;
            }
            byte length = message[position];
            switch (length & PointerTag)
            {
                case PointerTag:
                    if (position + 1 >= message.Length)
                    {
                        return false;
                    }
                    int target = ((length & ~PointerTag) << 8) | message[position + 1];
                    if (end < 0)
                    {
                        end = position + PointerLength;
                    }
                    if (target >= segmentStart)
                    {
                        return false; // forward, to itself, or back into labels already read: could loop
                    }
                    segmentStart = target;
                    position = target;
                    continue;
                case 0:
                    if (length == 0)
                    {
                        if (!TryAppend(destination, ref written, 0) || written > MaxLength)
                        {
                            return false;
                        }
                        if (end < 0)
                        {
                            end = position + 1;
                        }
                        return true;
                    }
                    // The label, and at least the root label after it, must still fit in 255 octets.
                    if (position + 1 + length > message.Length || written + 1 + length + 1 > MaxLength || written + 1 + length > destination.Length)
                    {
                        return false;
                    }
                    message.Slice(position, 1 + length).CopyTo(destination[written..]);
                    written += 1 + length;
                    position += 1 + length;
                    continue;
                default:
                    return false; // 01 and 10: extended and reserved label types (RFC 6891 §5)
            }
        }
    }

    /// <summary>
    /// True when the name at <paramref name="offset"/> of <paramref name="message"/> decodes (see
    /// <see cref="TryDecode"/>); <paramref name="end"/> is the offset just after it.
    /// </summary>
    public static bool TryValidate(ReadOnlySpan<byte> message, int offset, out int end)
    {
        Span<byte> scratch = stackalloc byte[MaxLength];
        return TryDecode(message, offset, scratch, out _, out end);
    }

    /// <summary>
    /// True when <paramref name="name"/> is exactly one uncompressed wire name: labels of 1 to 63 octets
    /// ending with the root label at its last byte, 255 octets at most.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.Length > MaxLength)
        {
            return false;
        }
        int position = 0;
        while (position < name.Length)
        {
            byte length = name[position];
            if (length == 0)
            {
                return position == name.Length - 1;
            }
            if (length > MaxLabelLength)
            {
                return false;
            }
            position += 1 + length;
        }
        return false;
    }

    /// <summary>
    /// Compares two uncompressed wire names as DNS does: octet by octet, with ASCII letters equal to
    /// their other case and nothing else folded (RFC 4343 §3).
    /// </summary>
    public static bool NamesEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && ToLowerAscii(a[i]) != ToLowerAscii(b[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The presentation form of an uncompressed wire name, without the final dot ("." for the root).
    /// Octets that are not printable ASCII, and the dot and backslash inside a label, are escaped as dig
    /// writes them (<c>\DDD</c>, <c>\.</c>, <c>\\</c>; RFC 4343 §2.1), so a hostile name cannot put
    /// control characters into a terminal.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid wire name.</exception>
    public static string ToText(ReadOnlySpan<byte> name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException("not an uncompressed wire-format domain name", nameof(name));
        }
        if (name.Length == 1)
        {
            return ".";
        }
        StringBuilder text = new(name.Length);
        int position = 0;
        while (name[position] != 0)
        {
            int length = name[position];
            if (position > 0)
            {
                text.Append('.');
            }
            foreach (byte octet in name.Slice(position + 1, length))
            {
                if (octet is (byte)'.' or (byte)'\\')
                {
                    text.Append('\\').Append((char)octet);
                }
                else if (octet is < 0x21 or > 0x7E)
                {
                    text.Append('\\').Append(octet.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    text.Append((char)octet);
                }
            }
            position += 1 + length;
        }
        return text.ToString();
    }

    /// <summary>Lower-cases the ASCII letters of a wire name in place (RFC 4343 §3), e.g. for a cache key.</summary>
    public static void ToLowerAscii(Span<byte> name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            name[i] = ToLowerAscii(name[i]);
        }
    }

    private static byte ToLowerAscii(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + ('a' - 'A')) : b;

    private static bool TryAppend(Span<byte> destination, ref int written, byte value)
    {
        if (written >= destination.Length)
        {
            return false;
        }
        destination[written++] = value;
        return true;
    }
}
