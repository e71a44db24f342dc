using System.Globalization;

namespace Usrnet.Wire;

/// <summary>An IPv6 address with a prefix length, as in <c>fd00:0:0:1::2/64</c> (RFC 4291 §2.3).</summary>
/// <param name="Address">The address.</param>
/// <param name="PrefixLength">The prefix length, 0 to 128.</param>
public readonly record struct Ipv6Cidr(Ipv6Address Address, int PrefixLength)
{
    /// <summary>Largest prefix length.</summary>
    public const int MaxPrefixLength = 128;

    /// <summary>The network prefix: the address with the bits after the prefix cleared (RFC 4291 §2.3).</summary>
    public Ipv6Address Network => new(Address.Value & Ipv6Address.PrefixMask(PrefixLength));

    /// <summary>True when <paramref name="other"/> has this prefix (the on-link test of RFC 4861 §5.2).</summary>
    public bool Contains(Ipv6Address other) => ((other.Value ^ Address.Value) & Ipv6Address.PrefixMask(PrefixLength)) == UInt128.Zero;

    /// <summary>Parses <c>address/n</c> with any address text form <see cref="Ipv6Address.TryParse"/> accepts.</summary>
    public static bool TryParse(string? text, out Ipv6Cidr cidr)
    {
        cidr = default;
        int slash = text?.IndexOf('/') ?? -1;
        if (slash < 0
            || !Ipv6Address.TryParse(text![..slash], out Ipv6Address address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
            || prefix > MaxPrefixLength)
        {
            return false;
        }
        cidr = new Ipv6Cidr(address, prefix);
        return true;
    }

    /// <summary>Parses <c>address/n</c>.</summary>
    /// <exception cref="FormatException">The text is not in that form.</exception>
    public static Ipv6Cidr Parse(string text) =>
        TryParse(text, out Ipv6Cidr cidr) ? cidr : throw new FormatException($"'{text}' is not an IPv6 address with prefix (expected address/n).");

    /// <inheritdoc/>
    public override string ToString() => $"{Address}/{PrefixLength}";
}
