using Microsoft.Extensions.Logging;
using System.CommandLine;
using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet dhcp</c>: obtains a DHCP lease on the tap (RFC 2131), prints it, and releases it. The
/// interface lives only as long as the command, so unlike <c>dhclient</c>, which keeps the lease for the
/// system, it gives the address back (DHCPRELEASE) before it exits: a lease nobody uses would hold an
/// address of the pool until it expires. Exit 0 with a lease; 1 with one line when none came in time.
/// </summary>
internal static class DhcpCommand
{
    /// <summary>Default of <c>--timeout</c>: long enough for five DHCPDISCOVERs (4 + 8 + 16 s back-off) and the address check.</summary>
    private const double DefaultTimeoutSeconds = 40;

    public static Command Create()
    {
        StackOptions stack = new();
        Option<double> timeout = new("--timeout") { Description = "seconds to wait for a lease", HelpName = "SECONDS", DefaultValueFactory = _ => DefaultTimeoutSeconds };
        Option<string?> hostName = new("--hostname") { Description = "host name to send to the server (option 12)", HelpName = "NAME" };
        Option<string?> request = new("--request") { Description = "an address from an earlier lease to ask for first (INIT-REBOOT, RFC 2131 §3.2); DHCPDISCOVER follows if the server refuses or stays silent", HelpName = "ADDR" };
        Command command = new("dhcp", "Obtain a DHCP lease on the tap, print address, gateway, DNS servers, domain and lease times, then release it (--ip and --gateway do not apply)")
        {
            timeout, hostName, request,
        };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            stack.RefuseStaticAddress(parse);
            TimeSpan limit = CommandLineValues.Seconds("--timeout", parse.GetValue(timeout));
            DhcpClientOptions options = ReadOptions(parse.GetValue(hostName));
            if (parse.GetValue(request) is { } text)
            {
                if (!Ipv4Address.TryParse(text, out Ipv4Address remembered) || !remembered.IsUnicast || remembered.IsLoopback)
                {
                    throw CliError.Usage($"--request: '{text}' is not an address a lease can have");
                }
                options = options with { RememberedAddress = remembered };
            }
            using StackHost host = StackHost.Start(settings, withAddress: false);
            return Run(host, options, limit, Console.Out);
        });
        return command;
    }

    /// <summary>The client options of <c>--hostname</c>, validated.</summary>
    /// <exception cref="CliError">The host name is malformed (exit code 2).</exception>
    internal static DhcpClientOptions ReadOptions(string? hostName)
    {
        if (hostName is not null && !DhcpClientOptions.IsValidHostName(hostName))
        {
            throw CliError.Usage($"--hostname: '{hostName}' is not a host name (letters, digits, '-' and '.', at most 255 characters)");
        }
        return new DhcpClientOptions { HostName = hostName };
    }

    internal static int Run(StackHost host, DhcpClientOptions options, TimeSpan timeout, TextWriter output)
    {
        DhcpClient client = host.Runner.StartDhcp(options);
        Instant deadline = host.Now + timeout;
        DhcpConfiguration? lease = null;
        DhcpDriver.Run(host, () => lease is not null, deadline, e =>
        {
            switch (e)
            {
                case DhcpConfigured c:
                    lease = c.Configuration;
                    break;
                case DhcpDeclined d:
                    output.WriteLine($"declined {d.Address}: in use by {d.ConflictingHardwareAddress}");
                    output.Flush();
                    break;
                default:
                    break;
            }
        }, state => ReportWait(state, options));
        if (lease is null)
        {
            // After a signal, Program reports "interrupted" instead of this line.
            throw new CliError($"no lease within {DhcpDriver.Seconds(timeout)} (state {client.State}, {client.Counters.MessagesSent} messages sent, {client.Counters.MessagesReceived} received)");
        }
        Print(lease, output);
        if (host.Runner.ReleaseLease() is { } released)
        {
            output.WriteLine($"released {released.Address}");
        }
        output.Flush();
        return 0;
    }

    /// <summary>Says on stderr what the client now waits for (<see cref="DhcpDriver.DescribeWait"/>).</summary>
    internal static void ReportWait(DhcpState state, DhcpClientOptions options)
    {
        if (DhcpDriver.DescribeWait(state, options) is string line)
        {
            Console.Error.WriteLine(line);
            Console.Error.Flush();
        }
    }

    private static void Print(DhcpConfiguration c, TextWriter output)
    {
        output.WriteLine($"address   {c.Address}");
        output.WriteLine($"gateway   {(c.Router is { } r ? r.ToString() : "none")}");
        output.WriteLine($"dns       {(c.DnsServers.Count > 0 ? string.Join(' ', c.DnsServers) : "none")}");
        output.WriteLine($"domain    {c.DomainName ?? "none"}");
        if (c.Mtu is { } mtu)
        {
            output.WriteLine($"mtu       {mtu}");
        }
        output.WriteLine($"lease     {DhcpDriver.Seconds(c.LeaseTime)}");
        output.WriteLine($"t1        {DhcpDriver.Seconds(c.RenewalTime)}");
        output.WriteLine($"t2        {DhcpDriver.Seconds(c.RebindingTime)}");
        output.WriteLine($"server    {c.ServerIdentifier}");
        output.Flush();
    }
}
