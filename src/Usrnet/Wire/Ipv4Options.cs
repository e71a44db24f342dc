namespace Usrnet.Wire;

/// <summary>
/// Walks the options of an IPv4 header (RFC 791 §3.1). Two forms: a single type octet (end of list,
/// no operation), or a type octet, a length octet counting both, and length − 2 octets of data.
/// </summary>
internal static class Ipv4Options
{
    /// <summary>Smallest length of an option in the type-length-data form: its type and length octets.</summary>
    private const int MinMultiOctetLength = 2;

    /// <summary>
    /// Checks every option's length against the header and reports whether the packet carries a source
    /// route (loose or strict, RFC 791 §3.1). False when an option is malformed: a length below 2 or past
    /// the end of the options, which Linux's <c>ip_options_compile</c> also rejects.
    /// </summary>
    public static bool TryScan(ReadOnlySpan<byte> options, out bool sourceRouted)
    {
        sourceRouted = false;
        int offset = 0;
        while (offset < options.Length)
        {
            Ipv4OptionType type = (Ipv4OptionType)options[offset];
            if (type == Ipv4OptionType.EndOfOptionList)
            {
                return true;
            }
            if (type == Ipv4OptionType.NoOperation)
            {
                offset++;
                continue;
            }
            if (offset + 1 >= options.Length)
            {
                return false;
            }
            int length = options[offset + 1];
            if (length < MinMultiOctetLength || offset + length > options.Length)
            {
                return false;
            }
            sourceRouted |= type is Ipv4OptionType.LooseSourceRoute or Ipv4OptionType.StrictSourceRoute;
            offset += length;
        }
        return true;
    }
}
