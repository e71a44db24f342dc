using Usrnet.Wire;

namespace Usrnet.Cli;

/// <summary>
/// The one line a long-running stack command prints on stdout once it really accepts traffic, so that a
/// script waits for that line rather than sleeping or probing:
/// <list type="bullet">
/// <item><c>usrnet up</c>: <c>usrnet: 10.0.0.102/24 on tap0 up</c>, after the tap is attached with the
/// address (with <c>--dhcp</c>, after each lease is bound);</item>
/// <item>servers (<c>udp-echo</c>, <c>tcp-echo</c>, <c>serve</c>, <c>bench reader|writer</c>):
/// <c>usrnet: listening on 10.0.0.102:7/udp</c>, after the socket is bound or listening (for <c>serve</c>,
/// after Kestrel has started listening).</item>
/// </list>
/// Details may follow on the same line, after a comma.
/// </summary>
public static class Readiness
{
    /// <summary>How every server's readiness line starts.</summary>
    public const string ListeningPrefix = "usrnet: listening on ";

    /// <summary><c>usrnet: 10.0.0.102/24 on tap0 up</c>.</summary>
    public static string Up(Ipv4Cidr address, string tapName) => $"usrnet: {address} on {tapName} up";

    /// <summary><c>usrnet: listening on 10.0.0.102:7/udp</c>; <paramref name="transport"/> is <c>udp</c> or <c>tcp</c>.</summary>
    public static string Listening(Ipv4Address address, ushort port, string transport) => $"{ListeningPrefix}{address}:{port}/{transport}";
}
