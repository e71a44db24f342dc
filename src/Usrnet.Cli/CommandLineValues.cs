using System.Globalization;
using Usrnet.Wire;

namespace Usrnet.Cli;

/// <summary>Reading and printing the values the network tools share: addresses, seconds, round-trip times.</summary>
internal static class CommandLineValues
{
    /// <summary>What iputils <c>ping</c> says to a broadcast destination given without <c>-b</c> (exit code 2).</summary>
    public const string PingBroadcastRefusal = "Do you want to ping broadcast? Then -b. If not, check your local firewall rules";

    /// <summary>
    /// Parses a destination and refuses at once what cannot be one host on the link or beyond it: we
    /// resolve no names yet (anything but dotted-quad is refused as the tools do), the stack has no
    /// loopback interface, joins no multicast group and sends nothing to a broadcast or network address.
    /// </summary>
    /// <param name="text">The argument.</param>
    /// <param name="own">The stack's address and prefix: its subnet's network and broadcast addresses are refused.</param>
    /// <param name="broadcastRefusal">The words for a broadcast destination (ping has iputils' own).</param>
    /// <exception cref="CliError">Not an address, or not one host (exit code 2).</exception>
    public static Ipv4Address Destination(string? text, Ipv4Cidr own, string? broadcastRefusal = null)
    {
        if (!Ipv4Address.TryParse(text, out Ipv4Address address))
        {
            throw CliError.Usage($"{text}: Name or service not known (give an IPv4 address)");
        }
        if (WhyNotAHost(address, own, broadcastRefusal) is string why)
        {
            throw CliError.Usage(why);
        }
        return address;
    }

    /// <summary>Null when <paramref name="address"/> can be one host to talk to, else why not, in one line.</summary>
    public static string? WhyNotAHost(Ipv4Address address, Ipv4Cidr own, string? broadcastRefusal = null)
    {
        if (address.IsBroadcast || address == own.DirectedBroadcast)
        {
            return broadcastRefusal ?? $"{address} is a broadcast address: the stack sends only to one host";
        }
        if (address.IsUnspecified)
        {
            return $"{address} is not a destination (it means 'this host', and the stack has no loopback)";
        }
        if (address.IsLoopback)
        {
            return $"{address}: the stack has no loopback interface (its own address is {own.Address}; for the kernel's loopback use the kernel's tools)";
        }
        if (address.IsMulticast)
        {
            return $"{address} is a multicast address: the stack joins no multicast group";
        }
        if (!address.IsUnicast)
        {
            return $"{address} is a reserved address (240.0.0.0/4), not a host";
        }
        if (address == own.Address)
        {
            return $"{address} is the stack's own address, and it has no loopback interface";
        }
        if (own.PrefixLength < 31 && address == own.Network)
        {
            return $"{address} is the network address of {own.Network}/{own.PrefixLength}, not a host";
        }
        return null;
    }

    /// <summary>A port number given on the command line, 1 to 65535.</summary>
    public static ushort Port(int port) =>
        port is >= 1 and <= ushort.MaxValue ? (ushort)port : throw CliError.Usage($"port {port} out of range (1 to 65535)");

    /// <summary>Seconds as a <see cref="TimeSpan"/>, refusing negatives and NaN.</summary>
    public static TimeSpan Seconds(string option, double seconds, double minimum = 0)
    {
        if (!(seconds >= minimum) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw CliError.Usage($"{option}: {seconds.ToString(CultureInfo.InvariantCulture)} is out of range (at least {minimum.ToString(CultureInfo.InvariantCulture)} seconds)");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Milliseconds with three significant digits, as iputils prints RTTs (0.061, 1.23, 12.3, 123).</summary>
    public static string Milliseconds(double ms) => ms switch
    {
        < 1 => ms.ToString("0.000", CultureInfo.InvariantCulture),
        < 10 => ms.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => ms.ToString("0.0", CultureInfo.InvariantCulture),
        _ => ms.ToString("0", CultureInfo.InvariantCulture),
    };

    /// <summary>Milliseconds with three decimals, as the statistics lines print them.</summary>
    public static string Fixed3(double ms) => ms.ToString("0.000", CultureInfo.InvariantCulture);
}
