using System.CommandLine;
using Usrnet.Iface;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet up</c>: brings the interface up and serves ARP, ping, and ICMP port unreachable for UDP
/// until SIGINT or SIGTERM, then prints the interface's counters.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        StackOptions stack = new();
        Command command = new("up", "Bring the stack up on the tap and answer ARP, ping and traceroute until interrupted; print counters on exit");
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            using StackHost host = StackHost.Start(settings);
            string via = settings.Gateway is { } g ? $" via {g}" : "";
            Console.WriteLine($"usrnet: {settings.TapName} up, {settings.Address}{via}, MAC {settings.Mac} (Ctrl-C to stop)");
            Console.Out.Flush();
            host.RunUntil(() => false);
            PrintCounters(host.Interface.Counters, Console.Out);
            return 0;
        });
        return command;
    }

    /// <summary>Prints every counter, one per line, as <c>usrnet up</c> does on exit.</summary>
    internal static void PrintCounters(InterfaceCounters counters, TextWriter output)
    {
        output.WriteLine("usrnet: interface statistics");
        foreach ((string name, long value) in counters.All())
        {
            output.WriteLine($"  {name,-28}{value,12}");
        }
        output.WriteLine($"  {"TotalDropped",-28}{counters.TotalDropped,12}");
        output.Flush();
    }
}
