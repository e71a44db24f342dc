using Microsoft.Extensions.Logging;
using System.CommandLine;
using Usrnet.Iface;
using Usrnet.Sockets.Dhcp;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet up</c>: brings the interface up and serves ARP, ping, and ICMP port unreachable for UDP
/// until SIGINT or SIGTERM, then prints the interface's counters. With <c>--dhcp</c> the address comes
/// from a DHCP server and is kept through renewals; every change is printed as a line, and the lease is
/// released on the way out.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        StackOptions stack = new();
        Option<bool> dhcp = new("--dhcp") { Description = "get the address and gateway by DHCP instead of --ip and --gateway, and release them on exit" };
        Option<bool> ipv6 = new("--ipv6")
        {
            Description = "speak IPv6 too: a link-local address from the MAC (modified EUI-64) after duplicate address detection, answering neighbour solicitations and ping -6",
        };
        Option<string?> hostName = new("--hostname") { Description = "with --dhcp: host name to send to the server (option 12)", HelpName = "NAME" };
        Command command = new("up", "Bring the stack up on the tap and answer ARP, ping and traceroute until interrupted; print counters on exit")
        {
            dhcp, hostName, ipv6,
        };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse) with { Ipv6 = parse.GetValue(ipv6) };
            if (!parse.GetValue(dhcp))
            {
                if (parse.GetValue(hostName) is not null)
                {
                    throw CliError.Usage("--hostname needs --dhcp");
                }
                using StackHost host = StackHost.Start(settings);
                string via = settings.Gateway is { } g ? $", via {g}" : "";
                Console.WriteLine($"{Readiness.Up(settings.Address, settings.TapName)}{via}, MAC {settings.Mac}; Ctrl-C to stop");
                if (host.Interface.LinkLocalAddress is { } linkLocal)
                {
                    Console.WriteLine($"usrnet: IPv6 link-local {linkLocal}%{settings.TapName} (in use once duplicate address detection passes, 1 s)");
                }
                Console.Out.Flush();
                host.RunUntil(() => false);
                PrintCounters(host.Interface.Counters, Console.Out);
                return 0;
            }
            stack.RefuseStaticAddress(parse);
            DhcpClientOptions options = DhcpCommand.ReadOptions(parse.GetValue(hostName));
            using (StackHost host = StackHost.Start(settings, withAddress: false))
            {
                Console.WriteLine($"usrnet: {settings.TapName} attached, MAC {settings.Mac}, asking for an address by DHCP; Ctrl-C to stop");
                Console.Out.Flush();
                RunDhcp(host, settings.TapName, options, Console.Out);
                PrintCounters(host.Interface.Counters, Console.Out);
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Runs the DHCP client's whole life until a signal, printing each change (and after each binding the
    /// readiness line, <see cref="Readiness.Up"/>), then releases the lease.
    /// </summary>
    internal static void RunDhcp(StackHost host, string tapName, DhcpClientOptions options, TextWriter output)
    {
        DhcpClient client = host.Runner.StartDhcp(options);
        DhcpDriver.Run(host, () => false, deadline: null, e =>
        {
            output.WriteLine(e switch
            {
                DhcpConfigured c => $"bound {DhcpDriver.Describe(c.Configuration)}",
                DhcpRenewed r => $"renewed {DhcpDriver.Describe(r.Configuration)}",
                DhcpDeconfigured { Reason: DhcpDeconfigureReason.LeaseExpired } d => $"lease expired: address {d.Address} removed",
                DhcpDeconfigured d => $"lease refused by the server (DHCPNAK): address {d.Address} removed",
                DhcpDeclined d => $"declined {d.Address}: in use by {d.ConflictingHardwareAddress}",
                _ => e.ToString(),
            });
            if (e is DhcpConfigured bound)
            {
                output.WriteLine(Readiness.Up(bound.Configuration.Address, tapName));
            }
            output.Flush();
        }, state =>
        {
            DhcpCommand.ReportWait(state, options);
            if (client.Lease is { } lease && state is DhcpState.Renewing or DhcpState.Rebinding)
            {
                output.WriteLine(state == DhcpState.Renewing
                    ? $"renewing {lease.Address.Address} with {lease.ServerIdentifier}"
                    : $"rebinding {lease.Address.Address}");
                output.Flush();
            }
        });
        if (host.Runner.ReleaseLease() is { } released)
        {
            output.WriteLine($"released {released.Address}");
        }
        PrintCounters("dhcp client", client.Counters.All(), output);
    }

    /// <summary>Prints every counter, one per line, as <c>usrnet up</c> does on exit.</summary>
    internal static void PrintCounters(InterfaceCounters counters, TextWriter output) =>
        PrintCounters("interface", counters.All().Append(new("TotalDropped", counters.TotalDropped)), output);

    /// <summary>Prints <paramref name="counters"/> under <c>usrnet: WHAT statistics</c>, one per line.</summary>
    internal static void PrintCounters(string what, IEnumerable<KeyValuePair<string, long>> counters, TextWriter output)
    {
        output.WriteLine($"usrnet: {what} statistics");
        foreach ((string name, long value) in counters)
        {
            output.WriteLine($"  {name,-28}{value,12}");
        }
        output.Flush();
    }
}
