using Usrnet.Async;
using Usrnet.Cli.Lab;
using Usrnet.Phy;
using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;

namespace Usrnet.Cli;

/// <summary>
/// The device a stack command runs on: the TAP of <see cref="StackSettings.TapName"/>, wrapped in the
/// fault injector and the pcap writer when the options ask for them (docs/articles/design.md §2: decorators around
/// any device). Both the synchronous <see cref="StackHost"/> and the commands on
/// <see cref="Async.NetworkStack"/> (http-get, serve) open it here.
/// </summary>
/// <param name="Device">The outermost device; whoever runs the stack owns and disposes it.</param>
/// <param name="Faults">The fault injector inside it, when faults are enabled (to read its counters).</param>
public sealed record StackDevice(IDevice Device, FaultInjectorDevice? Faults)
{
    /// <summary>Where Linux lists the interfaces of the current network namespace.</summary>
    private const string SysClassNet = "/sys/class/net";

    /// <summary>
    /// The missing tap, and how to make one without touching the root namespace (docs/articles/design.md §3): the lab,
    /// or a tap inside a namespace of one's own.
    /// </summary>
    internal static string MissingTap(string tapName) =>
        $"tap device '{tapName}' does not exist in this network namespace: create the lab with 'sudo usrnet lab up' and run the stack inside it "
        + $"('sudo ip netns exec {LabTopology.DefaultNamespace} usrnet ...'), or create the tap inside a namespace of your own "
        + $"('ip netns exec NS ip tuntap add dev {tapName} mode tap'), never in the root namespace";

    /// <summary>The line a command prints when the tap refused offloads and runs with plain frames.</summary>
    internal static string OffloadsUnavailable(string tapName, string reason) =>
        $"{tapName}: offloads unavailable ({reason}); using plain frames";

    /// <summary>Opens the tap and wraps it as <paramref name="settings"/> ask.</summary>
    /// <exception cref="CliError">The tap or the pcap file cannot be opened; the message says why.</exception>
    public static StackDevice Open(StackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        TapDevice tap;
        try
        {
            tap = TapDevice.Open(settings.TapName, offload: settings.Offload);
        }
        catch (DeviceException e)
        {
            throw new CliError(Directory.Exists(Path.Combine(SysClassNet, settings.TapName)) ? e.Message : MissingTap(settings.TapName));
        }
        if (tap.OffloadUnavailableReason is { } reason)
        {
            Console.Error.WriteLine($"{settings.MessagePrefix}{OffloadsUnavailable(settings.TapName, reason)}");
            Console.Error.Flush();
        }
        IDevice device = tap;
        FaultInjectorDevice? faults = null;
        if (settings.Faults.IsEnabled)
        {
            faults = new FaultInjectorDevice(device, new FaultOptions
            {
                DropChance = settings.Faults.DropChance,
                CorruptChance = settings.Faults.CorruptChance,
                ReorderChance = settings.Faults.ReorderChance,
                DuplicateChance = settings.Faults.DuplicateChance,
                Seed = settings.Faults.Seed ?? Environment.TickCount,
            });
            device = faults;
        }
        if (settings.PcapPath is not null)
        {
            try
            {
                device = new PcapWriterDevice(device, settings.PcapPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                device.Dispose();
                throw new CliError($"--pcap: cannot write '{settings.PcapPath}': {e.Message}");
            }
        }
        return new StackDevice(device, faults);
    }

    /// <summary>
    /// Opens the device as <see cref="Open"/> does and starts a <see cref="NetworkStack"/> on it (a loop
    /// thread of its own), for commands written with async streams; <paramref name="dnsServers"/> are the
    /// name servers its resolver asks. The stack owns the device.
    /// </summary>
    /// <exception cref="CliError">The tap or the pcap file cannot be opened.</exception>
    /// <remarks>With <paramref name="dhcp"/> the interface starts without address or gateway and the stack leases
    /// them (see <see cref="WaitForLeaseAsync"/>); name servers then come from the lease unless given.</remarks>
    public static NetworkStack StartNetworkStack(StackSettings settings, IReadOnlyList<Ipv4Address>? dnsServers = null, DhcpClientOptions? dhcp = null)
    {
        StackDevice device = Open(settings);
        try
        {
            return NetworkStack.Start(device.Device, new NetworkStackOptions
            {
                Interface = settings.InterfaceOptions(withAddress: dhcp is null),
                DnsServers = dnsServers ?? [],
                Dhcp = dhcp,
                LoggerFactory = settings.LoggerFactory,
                GiveBackMemory = true, // the tool's process is the stack's own (NetworkStackOptions.GiveBackMemory)
            });
        }
        catch
        {
            device.Device.Dispose();
            throw;
        }
    }

    /// <summary>How long a command started with <c>--dhcp</c> waits for its lease before giving up.</summary>
    public static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits for the DHCP lease of a stack started with DHCP and writes it on <paramref name="log"/> as
    /// <c>usrnet: leased 10.0.0.157/24 via 10.0.0.101 lease 120 s</c>.
    /// </summary>
    /// <exception cref="CliError">No lease within <see cref="LeaseTimeout"/>.</exception>
    public static async Task WaitForLeaseAsync(NetworkStack stack, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(log);
        log.WriteLine($"usrnet: asking for an address by DHCP, up to {DhcpDriver.Seconds(LeaseTimeout)}");
        log.Flush();
        try
        {
            await stack.WaitForAddressAsync(cancellationToken).WaitAsync(LeaseTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new CliError($"no DHCP lease within {DhcpDriver.Seconds(LeaseTimeout)}");
        }
        if (stack.DhcpLease is { } lease)
        {
            log.WriteLine($"usrnet: leased {DhcpDriver.Describe(lease)}");
            log.Flush();
        }
    }
}
