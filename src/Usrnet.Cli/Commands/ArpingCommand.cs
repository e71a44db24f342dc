using System.CommandLine;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet arping ADDR</c>: ARP requests from the stack through a raw Ethernet socket, printing the
/// replies like iputils <c>arping</c>; exit 0 when a reply came (with -c and -w: COUNT replies), 1 otherwise.
/// </summary>
internal static class ArpingCommand
{
    public static Command Create()
    {
        StackOptions stack = new();
        stack.Tap.Aliases.Add("-I"); // iputils arping -I INTERFACE
        Argument<string> destination = new("ADDR") { Description = "IPv4 address to resolve" };
        Option<int?> count = new("-c") { Description = "stop after sending COUNT requests (with -w: after COUNT replies)", HelpName = "COUNT" };
        Option<double?> deadline = new("-w") { Description = "stop after DEADLINE seconds", HelpName = "DEADLINE" };
        Option<double> interval = new("-i") { Description = "seconds between requests (default 1)", HelpName = "INTERVAL", DefaultValueFactory = _ => 1.0 };
        Command command = new("arping", "Send ARP requests from the stack and print the replies, like iputils arping")
        {
            destination, count, deadline, interval,
        };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            Ipv4Address target = CommandLineValues.Destination(parse.GetValue(destination), settings.Address);
            int? n = parse.GetValue(count);
            if (n is <= 0)
            {
                throw CliError.Usage($"-c: invalid count: {n}");
            }
            TimeSpan step = CommandLineValues.Seconds("-i", parse.GetValue(interval));
            TimeSpan? limit = parse.GetValue(deadline) is double d ? CommandLineValues.Seconds("-w", d) : null;
            using StackHost host = StackHost.Start(settings);
            return Run(host, settings, target, n, limit, step, Console.Out);
        });
        return command;
    }

    internal static int Run(StackHost host, StackSettings settings, Ipv4Address target, int? count, TimeSpan? deadline, TimeSpan interval, TextWriter output)
    {
        using RawEthernetSocket socket = host.Interface.Sockets.CreateRawEthernetSocket(EtherType.Arp);
        Ipv4Address source = settings.Address.Address;
        output.WriteLine($"ARPING {target} from {source} {settings.TapName}");
        byte[] request = new byte[EthernetHeader.Length + ArpHeader.Length];
        new EthernetHeader(EthernetAddress.Broadcast, settings.Mac, EtherType.Arp).WriteTo(request);
        new ArpHeader(ArpOperation.Request, settings.Mac, source, EthernetAddress.Zero, target).WriteTo(request.AsSpan(EthernetHeader.Length));
        byte[] frame = new byte[2048];
        int sent = 0, replies = 0;
        Instant start = host.Now, nextSend = start, lastSentAt = start;
        Instant? end = deadline is { } d ? start + d : null;
        while (!host.IsStopping)
        {
            Instant now = host.Now;
            bool sending = deadline is null ? (count is null || sent < count) : (count is null || replies < count);
            if (sending && now >= nextSend)
            {
                socket.TrySend(request);
                sent++;
                lastSentAt = now;
                nextSend = now + interval;
            }
            while (socket.TryReceive(frame, out int length))
            {
                Span<byte> bytes = frame.AsSpan(0, Math.Min(length, frame.Length));
                if (bytes.Length >= EthernetHeader.Length
                    && ArpHeader.TryParse(bytes[EthernetHeader.Length..], out ArpHeader arp)
                    && arp.Operation == ArpOperation.Reply && arp.SenderProtocolAddress == target && arp.TargetProtocolAddress == source)
                {
                    replies++;
                    double ms = (host.Now - lastSentAt).TotalMilliseconds;
                    output.WriteLine($"Unicast reply from {target} [{arp.SenderHardwareAddress.ToString().ToUpperInvariant()}]  {CommandLineValues.Fixed3(ms)}ms");
                }
            }
            now = host.Now;
            bool countDone = count is { } c && (deadline is null ? sent >= c && (replies >= c || now >= lastSentAt + interval) : replies >= c);
            if (countDone || (end is { } e && now >= e))
            {
                break;
            }
            host.PollUntil(Instant.Min(sending ? nextSend : lastSentAt + interval, end));
        }
        output.WriteLine($"Sent {sent} probes ({sent} broadcast(s))");
        output.WriteLine($"Received {replies} response(s)");
        output.Flush();
        bool enough = count is not { } want || deadline is null || replies >= want;
        return replies > 0 && enough ? 0 : 1;
    }
}
