using System.Net;

namespace Usrnet.Wire;

/// <summary>An IPv6 address and a port, without allocation (unlike <see cref="IPEndPoint"/>).</summary>
/// <param name="Address">The address.</param>
/// <param name="Port">The port.</param>
public readonly record struct Ipv6Endpoint(Ipv6Address Address, ushort Port)
{
    /// <summary>Converts to a BCL endpoint.</summary>
    public IPEndPoint ToIPEndPoint() => new(Address.ToIPAddress(), Port);

    /// <summary>Converts from a BCL endpoint.</summary>
    /// <exception cref="ArgumentException">The address is not IPv6.</exception>
    public static Ipv6Endpoint FromIPEndPoint(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new(Ipv6Address.FromIPAddress(endpoint.Address), (ushort)endpoint.Port);
    }

    /// <summary>The bracketed form of RFC 5952 §6, <c>[fd00::2]:80</c>.</summary>
    public override string ToString() => $"[{Address}]:{Port}";
}
