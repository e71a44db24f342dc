using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// One neighbor discovery option (RFC 4861 §4.6): type, length in units of 8 octets, and data. The typed
/// accessors are meaningful when <see cref="IsWellFormed"/>; an option of a known type with the wrong
/// length is ignored by the caller, as an unknown one is (RFC 4861 §4.6: "silently ignore").
/// </summary>
/// <remarks>
/// <code>
/// +---------------+---------------+--------------------------------
/// |     Type      |    Length     |              ...
/// +---------------+---------------+--------------------------------
/// </code>
/// </remarks>
internal readonly ref struct NdpOption
{
    /// <summary>Length of a link-layer address option for Ethernet: one unit (RFC 2464 §6).</summary>
    public const int LinkLayerAddressLength = 8;

    /// <summary>Length of a prefix information option: four units (RFC 4861 §4.6.2).</summary>
    public const int PrefixInformationLength = 32;

    /// <summary>Length of an MTU option: one unit (RFC 4861 §4.6.4).</summary>
    public const int MtuLength = 8;

    /// <summary>Length of an RDNSS option with no address; each address adds 16 (RFC 8106 §5.1).</summary>
    public const int RdnssHeaderLength = 8;

    /// <summary>Lifetime value meaning infinity (RFC 4861 §4.6.2; RFC 8106 §5.1).</summary>
    public const uint InfiniteLifetime = 0xFFFF_FFFF;

    private const byte OnLinkFlag = 0x80;
    private const byte AutonomousFlag = 0x40;

    private readonly ReadOnlySpan<byte> _option; // the whole option, type and length included

    /// <summary>A view over one whole option, as <see cref="NdpOptionReader"/> cuts it.</summary>
    internal NdpOption(ReadOnlySpan<byte> option) => _option = option;

    /// <summary>The option type.</summary>
    public NdpOptionType Type => (NdpOptionType)_option[0];

    /// <summary>The option's length in bytes (the field times 8).</summary>
    public int Length => _option.Length;

    /// <summary>The whole option, type and length octets included.</summary>
    public ReadOnlySpan<byte> Bytes => _option;

    /// <summary>True when a known option has the length its RFC gives it; always true for an unknown type.</summary>
    public bool IsWellFormed => Type switch
    {
        NdpOptionType.SourceLinkLayerAddress or NdpOptionType.TargetLinkLayerAddress => Length == LinkLayerAddressLength,
        NdpOptionType.PrefixInformation => Length == PrefixInformationLength && PrefixLength <= Ipv6Cidr.MaxPrefixLength,
        NdpOptionType.Mtu => Length == MtuLength,
        // RFC 8106 §5.1: at least one address, so the length field is odd and at least 3.
        NdpOptionType.RecursiveDnsServer => Length >= RdnssHeaderLength + Ipv6Address.Length && (Length / 8) % 2 == 1,
        _ => true,
    };

    /// <summary>The Ethernet address of a source or target link-layer address option (RFC 4861 §4.6.1).</summary>
    public EthernetAddress LinkLayerAddress => EthernetAddress.Read(_option[2..]);

    /// <summary>Prefix length of a prefix information option (RFC 4861 §4.6.2).</summary>
    public int PrefixLength => _option[2];

    /// <summary>L: the prefix is on-link (RFC 4861 §4.6.2).</summary>
    public bool OnLink => (_option[3] & OnLinkFlag) != 0;

    /// <summary>A: the prefix may be used for stateless address configuration (RFC 4861 §4.6.2; RFC 4862 §5.5.3).</summary>
    public bool Autonomous => (_option[3] & AutonomousFlag) != 0;

    /// <summary>Valid lifetime in seconds, <see cref="InfiniteLifetime"/> for ever (RFC 4861 §4.6.2).</summary>
    public uint ValidLifetime => BinaryPrimitives.ReadUInt32BigEndian(_option[4..]);

    /// <summary>Preferred lifetime in seconds (RFC 4861 §4.6.2).</summary>
    public uint PreferredLifetime => BinaryPrimitives.ReadUInt32BigEndian(_option[8..]);

    /// <summary>The prefix of a prefix information option (RFC 4861 §4.6.2); bits after the prefix length are to be ignored.</summary>
    public Ipv6Cidr Prefix
    {
        get
        {
            Ipv6Cidr written = new(Ipv6Address.Read(_option[16..]), PrefixLength);
            return written with { Address = written.Network };
        }
    }

    /// <summary>The recommended MTU of an MTU option (RFC 4861 §4.6.4).</summary>
    public uint Mtu => BinaryPrimitives.ReadUInt32BigEndian(_option[4..]);

    /// <summary>How long the servers of an RDNSS option may be used, in seconds (RFC 8106 §5.1); 0 withdraws them.</summary>
    public uint RdnssLifetime => BinaryPrimitives.ReadUInt32BigEndian(_option[4..]);

    /// <summary>The number of addresses of an RDNSS option (RFC 8106 §5.1).</summary>
    public int RdnssAddressCount => (Length - RdnssHeaderLength) / Ipv6Address.Length;

    /// <summary>The <paramref name="index"/>th address of an RDNSS option (RFC 8106 §5.1).</summary>
    public Ipv6Address RdnssAddress(int index) => Ipv6Address.Read(_option.Slice(RdnssHeaderLength + index * Ipv6Address.Length, Ipv6Address.Length));
}
