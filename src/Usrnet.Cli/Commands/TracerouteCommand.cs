using System.Buffers.Binary;
using System.CommandLine;
using System.Text;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet traceroute ADDR [LEN]</c>: UDP probes with rising TTL, printed as Linux <c>traceroute -n</c>
/// prints hops. Unlike Linux traceroute it exits 1 when the destination was not reached (usrnet's behaviour).
/// </summary>
internal static class TracerouteCommand
{
    /// <summary>traceroute's default base port (33434, the "traceroute port" of RFC 792-era tools).</summary>
    private const int DefaultPort = 33434;

    public static Command Create()
    {
        StackOptions stack = new();
        Argument<string> destination = new("ADDR") { Description = "IPv4 address to trace the route to" };
        Argument<int> packetLength = new("LEN") { Description = "total IP packet length of a probe (default 60)", DefaultValueFactory = _ => 60, Arity = ArgumentArity.ZeroOrOne };
        Option<int> maxTtl = new("-m") { Description = "largest TTL (hops) probed (default 30)", HelpName = "MAXTTL", DefaultValueFactory = _ => 30 };
        Option<double> wait = new("-w") { Description = "seconds to wait for a probe's answer (default 5)", HelpName = "WAIT", DefaultValueFactory = _ => 5.0 };
        Option<int> probes = new("-q") { Description = "probes per hop (default 3)", HelpName = "PROBES", DefaultValueFactory = _ => 3 };
        Option<bool> numeric = new("-n") { Description = "numeric addresses (always so: no names are resolved; accepted as Linux traceroute spells it)" };
        Option<int> port = new("-p") { Description = $"destination port of the first probe, incremented per probe (default {DefaultPort})", HelpName = "PORT", DefaultValueFactory = _ => DefaultPort };
        Command command = new("traceroute", "Print the route to a host with UDP probes, like Linux traceroute -n; exits 1 if the host is not reached")
        {
            destination, packetLength, maxTtl, wait, probes, port, numeric,
        };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            Ipv4Address target = CommandLineValues.Destination(parse.GetValue(destination), settings.Address);
            int length = parse.GetValue(packetLength);
            int hops = parse.GetValue(maxTtl);
            int perHop = parse.GetValue(probes);
            int basePort = parse.GetValue(port);
            if (length is < Ipv4Header.Length + UdpHeader.Length or > Ipv4Packet.MaxLength)
            {
                throw CliError.Usage($"packet length {length} out of range ({Ipv4Header.Length + UdpHeader.Length} to {Ipv4Packet.MaxLength})");
            }
            if (hops is < 1 or > 255)
            {
                throw CliError.Usage($"-m: max hops {hops} out of range (1 to 255)");
            }
            if (perHop is < 1 or > 10)
            {
                throw CliError.Usage($"-q: {perHop} probes per hop out of range (1 to 10)");
            }
            if (basePort < 1 || basePort + hops * perHop > ushort.MaxValue)
            {
                throw CliError.Usage($"-p: port {basePort} out of range (1 to {ushort.MaxValue - hops * perHop}: each of the {hops} x {perHop} probes takes the next port)");
            }
            TimeSpan waitTime = CommandLineValues.Seconds("-w", parse.GetValue(wait));
            using StackHost host = StackHost.Start(settings);
            return Run(host, target, length, hops, waitTime, perHop, basePort, Console.Out);
        });
        return command;
    }

    internal static int Run(StackHost host, Ipv4Address target, int packetLength, int maxTtl, TimeSpan wait, int probes, int basePort, TextWriter output)
    {
        using UdpSocket udp = host.Interface.Sockets.CreateUdpSocket();
        udp.Bind(0);
        using IcmpSocket icmp = host.Interface.Sockets.CreateIcmpSocket();
        icmp.Bind(IcmpBinding.UdpPort(udp.LocalEndpoint.Port));
        output.WriteLine($"traceroute to {target} ({target}), {maxTtl} hops max, {packetLength} byte packets");
        byte[] data = new byte[packetLength - Ipv4Header.Length - UdpHeader.Length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(0x40 + i); // Linux traceroute's fill
        }
        byte[] message = new byte[2048];
        int probePort = basePort;
        bool reached = false;
        for (int ttl = 1; ttl <= maxTtl && !reached && !host.IsStopping; ttl++)
        {
            StringBuilder line = new($"{ttl,2} ");
            Ipv4Address? lastHop = null;
            bool stop = false;
            for (int p = 0; p < probes && !host.IsStopping; p++, probePort++)
            {
                udp.TimeToLive = (byte)ttl;
                Instant sentAt = host.Now;
                udp.TrySendTo(data, new Ipv4Endpoint(target, (ushort)probePort));
                Instant deadline = sentAt + wait;
                bool answered = false;
                while (!answered && !host.IsStopping)
                {
                    while (icmp.TryReceiveFrom(message, out int length, out Ipv4Address from, out _))
                    {
                        Span<byte> bytes = message.AsSpan(0, Math.Min(length, message.Length));
                        if (!IcmpV4Message.TryParse(bytes, out IcmpV4Message error) || !IsAboutProbe(bytes, target, probePort))
                        {
                            continue;
                        }
                        double ms = (host.Now - sentAt).TotalMilliseconds;
                        if (from != lastHop)
                        {
                            line.Append($" {from}");
                            lastHop = from;
                        }
                        line.Append($"  {CommandLineValues.Fixed3(ms)} ms");
                        if (error.Type == IcmpV4Type.DestinationUnreachable)
                        {
                            string? flag = Annotation((IcmpV4Unreachable)error.Code);
                            if (flag is not null)
                            {
                                line.Append(' ').Append(flag);
                                stop = true;
                            }
                            reached |= from == target;
                        }
                        answered = true;
                        break;
                    }
                    udp.TryTakeError(out _); // the same ICMP error also reaches the probing socket; we read it above
                    if (!answered)
                    {
                        if (host.Now >= deadline)
                        {
                            line.Append(" *");
                            break;
                        }
                        host.PollUntil(deadline);
                    }
                }
            }
            output.WriteLine(line.ToString());
            output.Flush();
            if (stop)
            {
                break;
            }
        }
        return reached ? 0 : 1;
    }

    /// <summary>True when an ICMP error quotes our probe: UDP to the target at the probe's port.</summary>
    private static bool IsAboutProbe(ReadOnlySpan<byte> message, Ipv4Address target, int port)
    {
        ReadOnlySpan<byte> quoted = message[IcmpV4Message.HeaderLength..];
        return Ipv4Header.TryParseQuoted(quoted, out Ipv4Header original, out int headerLength)
            && quoted.Length >= headerLength + UdpHeader.Length
            && original.Protocol == IpProtocol.Udp
            && original.Destination == target
            && BinaryPrimitives.ReadUInt16BigEndian(quoted[(headerLength + 2)..]) == port;
    }

    /// <summary>Linux traceroute's marks for unreachable codes; null for port unreachable (the destination answering).</summary>
    private static string? Annotation(IcmpV4Unreachable code) => code switch
    {
        IcmpV4Unreachable.Port => null,
        IcmpV4Unreachable.Net => "!N",
        IcmpV4Unreachable.Host => "!H",
        IcmpV4Unreachable.Protocol => "!P",
        IcmpV4Unreachable.FragmentationNeeded => "!F",
        IcmpV4Unreachable.SourceRouteFailed => "!S",
        IcmpV4Unreachable.AdministrativelyProhibited => "!X",
        _ => $"!<{(byte)code}>",
    };
}
