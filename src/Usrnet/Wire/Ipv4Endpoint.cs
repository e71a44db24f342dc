using System.Net;

namespace Usrnet.Wire;

/// <summary>An IPv4 address and a port, without allocation (unlike <see cref="IPEndPoint"/>).</summary>
/// <param name="Address">The address.</param>
/// <param name="Port">The port.</param>
public readonly record struct Ipv4Endpoint(Ipv4Address Address, ushort Port)
{
    /// <summary>Converts to a BCL endpoint.</summary>
    public IPEndPoint ToIPEndPoint() => new(Address.ToIPAddress(), Port);

    /// <summary>Converts from a BCL endpoint.</summary>
    /// <exception cref="ArgumentException">The address is not IPv4.</exception>
    public static Ipv4Endpoint FromIPEndPoint(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new(Ipv4Address.FromIPAddress(endpoint.Address), (ushort)endpoint.Port);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Address}:{Port}";
}
