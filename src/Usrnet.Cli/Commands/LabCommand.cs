using System.CommandLine;
using Usrnet.Cli.Lab;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet lab up [--ns NAME] [--tap NAME] [--no-ipv6]</c> and <c>usrnet lab down [--ns NAME]</c>: create and remove
/// the namespaces of docs/articles/design.md §3 (the seed's tap.sh).
/// </summary>
internal static class LabCommand
{
    public static Command Create()
    {
        Command lab = new("lab", "Create or remove the lab: a network namespace holding the tap (the stack's gateway) and a host one hop beyond it");
        lab.Subcommands.Add(CreateUp());
        lab.Subcommands.Add(CreateDown());
        return lab;
    }

    private static Command CreateUp()
    {
        Option<string> ns = NamespaceOption();
        Option<string> tap = new("--tap")
        {
            Description = "name of the TAP device to create inside the namespace",
            HelpName = "NAME",
            DefaultValueFactory = _ => LabTopology.DefaultTapName,
        };
        Option<bool> noIpv6 = new("--no-ipv6")
        {
            Description = $"leave IPv6 off on the tap, so IPv4 captures stay quiet (the veth pair keeps {LabTopology.RouterCidr6} and {LabTopology.FarCidr6})",
        };
        Command up = new(
            "up",
            $"Create namespace NS with {LabTopology.DefaultTapName} ({LabTopology.TapCidr}, {LabTopology.TapCidr6}) and {LabTopology.RouterLink} ({LabTopology.RouterCidr}, {LabTopology.RouterCidr6}), forwarding, "
            + $"and NS{LabTopology.FarSuffix} with {LabTopology.FarLink} ({LabTopology.FarCidr}, {LabTopology.FarCidr6}, default routes via {LabTopology.RouterCidr.Address} and {LabTopology.RouterCidr6.Address}). Needs root.")
        {
            ns,
            tap,
            noIpv6,
        };
        up.SetAction(parse =>
        {
            LabTopology topology = Describe(parse.GetValue(ns), parse.GetValue(tap), ipv6OnTap: !parse.GetValue(noIpv6));
            topology.Create();
            Console.WriteLine(
                $"lab up: {topology.Namespace} ({topology.TapName} {LabTopology.TapCidr}, {LabTopology.RouterLink} {LabTopology.RouterCidr}) "
                + $"<-> {topology.FarNamespace} ({LabTopology.FarLink} {LabTopology.FarCidr})");
            Console.WriteLine(
                $"lab up: IPv6 {(topology.Ipv6OnTap ? $"{topology.TapName} {LabTopology.TapCidr6}, " : "")}{LabTopology.RouterLink} {LabTopology.RouterCidr6} "
                + $"<-> {LabTopology.FarLink} {LabTopology.FarCidr6}");
            Console.WriteLine($"run the stack inside it: ip netns exec {topology.Namespace} usrnet up --tap {topology.TapName}");
            return 0;
        });
        return up;
    }

    private static Command CreateDown()
    {
        Option<string> ns = NamespaceOption();
        Command down = new("down", $"Stop the processes still running in NS and NS{LabTopology.FarSuffix} (SIGTERM, SIGKILL after {LabTopology.StopGrace.TotalSeconds} s), then remove the namespaces (and the tap and veth in them). Succeeds when they are already gone.")
        {
            ns,
        };
        down.SetAction(parse =>
        {
            LabTopology topology = Describe(parse.GetValue(ns), LabTopology.DefaultTapName, ipv6OnTap: false);
            IReadOnlyList<string> stopped = topology.StopProcesses();
            if (stopped.Count > 0)
            {
                Console.WriteLine($"lab down: stopped the processes still running in the lab: {string.Join(", ", stopped)}");
            }
            IReadOnlyList<string> removed = topology.Delete();
            Console.WriteLine(removed.Count == 0 ? $"lab down: no lab in {topology.Namespace}" : $"lab down: removed {string.Join(", ", removed)}");
            return 0;
        });
        return down;
    }

    private static Option<string> NamespaceOption() => new("--ns")
    {
        Description = $"name of the near network namespace; the far one is NAME{LabTopology.FarSuffix}",
        HelpName = "NAME",
        DefaultValueFactory = _ => LabTopology.DefaultNamespace,
    };

    private static LabTopology Describe(string? ns, string? tap, bool ipv6OnTap)
    {
        if (LabTopology.ValidateNamespace(ns) is string nsError)
        {
            throw CliError.Usage($"--ns: {nsError}");
        }
        if (InterfaceName.Validate(tap) is string tapError)
        {
            throw CliError.Usage($"--tap: {tapError}");
        }
        return new LabTopology(ns!, tap!, ipv6OnTap);
    }
}
