using System.CommandLine;
using System.Globalization;
using Usrnet.Cli.Lab;
using Usrnet.Wire;

namespace Usrnet.Cli;

/// <summary>
/// The options every stack command takes (docs/articles/design.md §4): which tap and whether with offloads, the stack's own addresses, a pcap
/// file and the fault injector. Each command makes its own instance, calls <see cref="AddTo"/>, and in
/// its action calls <see cref="Read"/>:
/// <code>
/// StackOptions stack = new();
/// Command command = new("ping", "...");
/// stack.AddTo(command);
/// command.SetAction((parse, ct) => { StackSettings settings = stack.Read(parse); ... });
/// </code>
/// The options have no short aliases, so commands keep their tool's (<c>-c</c>, <c>-i</c>, <c>-W</c>...);
/// a command may add its tool's own (ping and arping: <c>-I</c> for <see cref="Tap"/>).
/// </summary>
public sealed class StackOptions
{
    /// <summary>Value of <c>--gateway</c> that means "no default route".</summary>
    public const string NoGateway = "none";

    /// <summary>Value of <c>--offload</c> that asks the TAP for checksum and segmentation offload.</summary>
    public const string On = "on";

    /// <summary>Value of <c>--offload</c> for plain frames.</summary>
    public const string Off = "off";

    /// <summary><c>--tap NAME</c>.</summary>
    public Option<string> Tap { get; } = new("--tap")
    {
        Description = "TAP device to attach to, in the current network namespace",
        HelpName = "NAME",
        DefaultValueFactory = _ => LabTopology.DefaultTapName,
    };

    /// <summary><c>--mac MAC</c>.</summary>
    public Option<string> Mac { get; } = new("--mac")
    {
        Description = "the stack's MAC address",
        HelpName = "MAC",
        DefaultValueFactory = _ => LabTopology.StackMac.ToString(),
    };

    /// <summary><c>--ip ADDR/PREFIX</c>.</summary>
    public Option<string> Ip { get; } = new("--ip")
    {
        Description = "the stack's IPv4 address and prefix length",
        HelpName = "ADDR/PREFIX",
        DefaultValueFactory = _ => LabTopology.StackCidr.ToString(),
    };

    /// <summary><c>--gateway ADDR</c>.</summary>
    public Option<string> Gateway { get; } = new("--gateway")
    {
        Description = $"default gateway, inside the --ip subnet ('{NoGateway}' for no default route)",
        HelpName = "ADDR",
        DefaultValueFactory = _ => LabTopology.Gateway.ToString(),
    };

    /// <summary><c>--pcap FILE</c>.</summary>
    public Option<string?> Pcap { get; } = new("--pcap")
    {
        Description = "write every frame sent and received to this pcap file (opens in Wireshark/tshark)",
        HelpName = "FILE",
    };

    /// <summary><c>--offload on|off</c>.</summary>
    public Option<string> Offload { get; } = new("--offload")
    {
        Description = "let the tap fill TCP checksums and carry TCP segments up to 64 KiB both ways (virtio-net header); 'off' for plain frames (the default with fault options, which then act on wire frames)",
        HelpName = "on|off",
        DefaultValueFactory = _ => On,
    };

    /// <summary><c>--drop-chance P</c>.</summary>
    public Option<double> DropChance { get; } = ChanceOption("--drop-chance", "chance (0 to 1) that a frame is dropped");

    /// <summary><c>--corrupt-chance P</c>.</summary>
    public Option<double> CorruptChance { get; } = ChanceOption("--corrupt-chance", "chance (0 to 1) that a frame has a byte corrupted");

    /// <summary><c>--reorder-chance P</c>.</summary>
    public Option<double> ReorderChance { get; } = ChanceOption("--reorder-chance", "chance (0 to 1) that a frame is delayed past the next one");

    /// <summary><c>--dup-chance P</c>.</summary>
    public Option<double> DuplicateChance { get; } = ChanceOption("--dup-chance", "chance (0 to 1) that a frame is sent twice");

    /// <summary><c>--verbose</c>.</summary>
    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "log the stack's events on stderr: address changes, DHCP states and leases, neighbours that do not answer ARP",
    };

    /// <summary><c>--seed N</c>.</summary>
    public Option<int?> Seed { get; } = new("--seed")
    {
        Description = "seed of the fault injector's random generator, for a repeatable run (default: random)",
        HelpName = "N",
    };

    /// <summary>Adds all the stack options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (Option option in new Option[] { Tap, Mac, Ip, Gateway, Pcap, Offload, DropChance, CorruptChance, ReorderChance, DuplicateChance, Seed, Verbose })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Reads and validates the options of a parsed command line.</summary>
    /// <exception cref="CliError">A value is malformed or inconsistent (exit code 2).</exception>
    public StackSettings Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);

        string tap = parse.GetValue(Tap) ?? LabTopology.DefaultTapName;
        if (InterfaceName.Validate(tap) is string tapError)
        {
            throw CliError.Usage($"--tap: {tapError}");
        }

        string macText = parse.GetValue(Mac) ?? "";
        if (!EthernetAddress.TryParse(macText, out EthernetAddress mac))
        {
            throw CliError.Usage($"--mac: '{macText}' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");
        }
        if (!mac.IsUnicast)
        {
            throw CliError.Usage($"--mac: {mac} is not a unicast address (the low bit of the first byte must be clear, and not all zeros)");
        }

        string ipText = parse.GetValue(Ip) ?? "";
        if (!Ipv4Cidr.TryParse(ipText, out Ipv4Cidr cidr))
        {
            throw CliError.Usage($"--ip: '{ipText}' is not an IPv4 address with prefix (expected a.b.c.d/n, n from 0 to 32)");
        }
        if (!cidr.Address.IsUnicast || cidr.Address.IsLoopback)
        {
            throw CliError.Usage($"--ip: {cidr.Address} cannot be a host's address");
        }
        if (cidr.PrefixLength == 0)
        {
            throw CliError.Usage($"--ip: /0 leaves no subnet; give a prefix length from 1 to 32");
        }
        if (cidr.PrefixLength < 31 && (cidr.Address == cidr.Network || cidr.Address == cidr.DirectedBroadcast))
        {
            throw CliError.Usage($"--ip: {cidr.Address} is the network or broadcast address of {cidr.Network}/{cidr.PrefixLength}");
        }

        string gatewayText = parse.GetValue(Gateway) ?? NoGateway;
        Ipv4Address? gateway = null;
        if (!string.Equals(gatewayText, NoGateway, StringComparison.OrdinalIgnoreCase))
        {
            if (!Ipv4Address.TryParse(gatewayText, out Ipv4Address gw))
            {
                throw CliError.Usage($"--gateway: '{gatewayText}' is not an IPv4 address");
            }
            if (!gw.IsUnicast || gw == cidr.Address)
            {
                throw CliError.Usage($"--gateway: {gw} cannot be a gateway for {cidr}");
            }
            if (!cidr.Contains(gw))
            {
                throw CliError.Usage($"--gateway: {gw} is unreachable: not inside {cidr.Network}/{cidr.PrefixLength} (--ip {cidr})");
            }
            gateway = gw;
        }

        string? pcap = parse.GetValue(Pcap);
        if (pcap is not null)
        {
            pcap = ReadPcapPath(pcap);
        }

        FaultSettings faults = new(
            ReadChance(parse, DropChance),
            ReadChance(parse, CorruptChance),
            ReadChance(parse, ReorderChance),
            ReadChance(parse, DuplicateChance),
            parse.GetValue(Seed));

        // Faults act on frames; with offloads the tap hands over coalesced segments of up to 64 KiB, so a
        // dropped "frame" would be dozens of wire frames. Unless asked for, offloads stay off with faults.
        bool offload = parse.GetResult(Offload) is { Implicit: false }
            ? ReadOffload(parse.GetValue(Offload) ?? On)
            : !faults.IsEnabled;

        return new StackSettings(tap, mac, cidr, gateway, pcap, faults, parse.GetValue(Verbose), offload) { MessagePrefix = CommandLine.Prefix(parse) };
    }

    /// <summary>
    /// For commands that get their address by DHCP: refuses an explicit <c>--ip</c> or <c>--gateway</c>,
    /// which would otherwise be silently ignored.
    /// </summary>
    /// <exception cref="CliError">One of them was given (exit code 2).</exception>
    public void RefuseStaticAddress(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        foreach (Option option in new Option[] { Ip, Gateway })
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                throw CliError.Usage($"{option.Name} cannot be combined with DHCP, which assigns the address and gateway");
            }
        }
    }

    private static string ReadPcapPath(string path)
    {
        if (path.Length == 0)
        {
            throw CliError.Usage("--pcap: the file name is empty");
        }
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw CliError.Usage($"--pcap: '{path}' is a directory");
        }
        string? directory = Path.GetDirectoryName(full);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw CliError.Usage($"--pcap: directory '{directory}' does not exist");
        }
        return full;
    }

    private static bool ReadOffload(string value) => value.ToLowerInvariant() switch
    {
        On => true,
        Off => false,
        _ => throw CliError.Usage($"--offload: '{value}' is not {On} or {Off}"),
    };

    private static double ReadChance(ParseResult parse, Option<double> option)
    {
        double p = parse.GetValue(option);
        if (!(p >= 0 && p <= 1)) // also rejects NaN
        {
            throw CliError.Usage($"{option.Name}: {p.ToString(CultureInfo.InvariantCulture)} is not a probability (0 to 1)");
        }
        return p;
    }

    private static Option<double> ChanceOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "P",
        DefaultValueFactory = _ => 0,
    };
}
