using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>An IPv6 address of the interface, its prefix and its duplicate address detection state.</summary>
public readonly record struct Ipv6InterfaceAddress(Ipv6Cidr Cidr, Ipv6AddressState State)
{
    /// <summary>The address itself.</summary>
    public Ipv6Address Address => Cidr.Address;

    /// <inheritdoc/>
    public override string ToString() => $"{Cidr} ({State})";
}
