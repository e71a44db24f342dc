using System.Globalization;
using Usrnet.Wire;

namespace Usrnet.Cli;

/// <summary>Reading and printing the values the network tools share: addresses, seconds, round-trip times.</summary>
internal static class CommandLineValues
{
    /// <summary>Parses a destination; we resolve no names yet, so anything but dotted-quad is refused as the tools do.</summary>
    public static Ipv4Address Destination(string tool, string? text)
    {
        if (!Ipv4Address.TryParse(text, out Ipv4Address address))
        {
            throw CliError.Usage($"{tool}: {text}: Name or service not known (give an IPv4 address)");
        }
        return address;
    }

    /// <summary>A port number given on the command line, 1 to 65535.</summary>
    public static ushort Port(string tool, int port) =>
        port is >= 1 and <= ushort.MaxValue ? (ushort)port : throw CliError.Usage($"{tool}: port {port} out of range (1 to 65535)");

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
