using System.CommandLine;
using Usrnet.Phy;

namespace Usrnet.Cli.Commands;

/// <summary>
/// The in-memory link of <c>usrnet bench in-process</c> and <c>bench async</c>: its MTU, whether its ends
/// offload checksums and segmentation as a virtio-net device does, and the largest TCP segment it takes,
/// so a throughput can be measured against segment size.
/// </summary>
internal sealed class BenchLinkOptions
{
    /// <summary>Value of <c>--offload</c> that turns the offloads on (the default).</summary>
    public const string On = "on";

    /// <summary>Value of <c>--offload</c> that turns them off.</summary>
    public const string Off = "off";

    /// <summary>Smallest --mtu: IPv4's minimum datagram every host accepts (RFC 791 §3.1).</summary>
    private const int MinMtu = 576;

    /// <summary><c>--mtu BYTES</c>.</summary>
    public Option<int> Mtu { get; } = new("--mtu")
    {
        Description = "MTU of the in-memory link: the wire's, which sets the MSS (default 1500)",
        HelpName = "BYTES",
        DefaultValueFactory = _ => 1500,
    };

    /// <summary><c>--offload on|off</c>.</summary>
    public Option<string> Offload { get; } = CreateOffload();

    /// <summary><c>--segment-size BYTES</c>.</summary>
    public Option<int?> SegmentSize { get; } = new("--segment-size")
    {
        Description = "largest IP packet of one TCP segment the link takes, from the MTU to 65535 (default 65535 with --offload on; the MTU with off)",
        HelpName = "BYTES",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Mtu);
        command.Options.Add(Offload);
        command.Options.Add(SegmentSize);
    }

    /// <summary>Reads and validates the options: the capabilities both ends of the link report.</summary>
    /// <exception cref="CliError">A value is out of range or inconsistent (exit code 2).</exception>
    public DeviceCapabilities Read(ParseResult parse)
    {
        int mtu = parse.GetValue(Mtu);
        if (mtu is < MinMtu or > DeviceCapabilities.MaxIpv4PacketLength)
        {
            throw CliError.Usage($"--mtu: {mtu} out of range ({MinMtu}, IPv4's minimum datagram every host accepts, to {DeviceCapabilities.MaxIpv4PacketLength})");
        }
        bool offload = parse.GetValue(Offload) == On;
        int segmentSize = parse.GetValue(SegmentSize) ?? (offload ? DeviceCapabilities.MaxIpv4PacketLength : mtu);
        if (segmentSize < mtu || segmentSize > DeviceCapabilities.MaxIpv4PacketLength)
        {
            throw CliError.Usage($"--segment-size: {segmentSize} out of range (the MTU, {mtu}, to {DeviceCapabilities.MaxIpv4PacketLength})");
        }
        if (!offload && segmentSize != mtu)
        {
            // Each wire segment needs its own checksum: a device that cuts segments fills them (DeviceCapabilities.MaxSegmentLength).
            throw CliError.Usage($"--segment-size: {segmentSize} needs --offload on; without offloads segments are MTU-sized (use --mtu {segmentSize})");
        }
        return offload
            ? DeviceCapabilities.WithOffloads(mtu) with { MaxSegmentLength = segmentSize }
            : new DeviceCapabilities { Mtu = mtu };
    }

    /// <summary>The link in the result line: "MTU 1500, offload on, segments up to 65535 bytes".</summary>
    public static string Describe(DeviceCapabilities link) =>
        $"MTU {link.Mtu}, offload {(link.ChecksumOffloadOnTransmit ? On : Off)}, segments up to {link.MaxSegmentLength} bytes";

    private static Option<string> CreateOffload()
    {
        Option<string> option = new("--offload")
        {
            Description = "the link's ends fill and verify checksums and carry segments larger than the MTU, as a virtio-net device with TSO does (default on)",
            HelpName = "on|off",
            DefaultValueFactory = _ => On,
        };
        option.AcceptOnlyFromAmong(On, Off);
        return option;
    }
}
