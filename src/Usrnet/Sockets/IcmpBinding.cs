namespace Usrnet.Sockets;

/// <summary>What an <see cref="IcmpSocket"/> receives.</summary>
public enum IcmpBindingKind
{
    /// <summary>Nothing: the socket is unbound.</summary>
    None,
    /// <summary>
    /// Echo replies with the bound identifier, and ICMP errors about echo requests that carried it
    /// (how <c>ping</c> sees "Destination Host Unreachable" and "Time to live exceeded").
    /// </summary>
    Identifier,
    /// <summary>ICMP errors about UDP datagrams sent from the bound local port (how <c>traceroute</c> sees hops).</summary>
    UdpPort,
}

/// <summary>The binding of an <see cref="IcmpSocket"/>.</summary>
/// <param name="Kind">What is matched.</param>
/// <param name="Value">The echo identifier or the UDP port.</param>
public readonly record struct IcmpBinding(IcmpBindingKind Kind, ushort Value)
{
    /// <summary>Receives echo replies (and errors about echo requests) with identifier <paramref name="identifier"/>.</summary>
    public static IcmpBinding Identifier(ushort identifier) => new(IcmpBindingKind.Identifier, identifier);

    /// <summary>Receives ICMP errors about UDP datagrams sent from local port <paramref name="port"/>.</summary>
    public static IcmpBinding UdpPort(ushort port) => new(IcmpBindingKind.UdpPort, port);
}
