using System.Buffers.Binary;
using System.CommandLine;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet ping ADDR</c>: ICMP echo over the stack, with iputils <c>ping</c>'s flags, output and exit
/// codes (0 when a reply came back, 1 when none did, 2 for other errors).
/// </summary>
internal static class PingCommand
{
    /// <summary>How long ping waits after its last request when -W is not given (iputils: 10 s).</summary>
    private const double DefaultLingerSeconds = 10;

    public static Command Create()
    {
        StackOptions stack = new();
        stack.Tap.Aliases.Add("-I"); // iputils ping -I INTERFACE
        Argument<string> destination = new("ADDR") { Description = "IPv4 address to ping" };
        Option<int?> count = new("-c") { Description = "stop after sending COUNT requests (default: until interrupted)", HelpName = "COUNT" };
        Option<int> size = new("-s") { Description = "bytes of data in each request (default 56: 64-byte ICMP, 84-byte IP packets)", HelpName = "LEN", DefaultValueFactory = _ => 56 };
        Option<double?> timeout = new("-W") { Description = $"seconds to wait for a reply after the last request (default {DefaultLingerSeconds})", HelpName = "TIMEOUT" };
        Option<double> interval = new("-i") { Description = "seconds between requests (default 1)", HelpName = "INTERVAL", DefaultValueFactory = _ => 1.0 };
        Option<int> ttl = new("-t") { Description = "IP time to live (default 64)", HelpName = "TTL", DefaultValueFactory = _ => Ipv4Header.DefaultTimeToLive };
        Option<double?> deadline = new("-w") { Description = "stop after DEADLINE seconds, whatever was sent or received", HelpName = "DEADLINE" };
        Option<bool> quiet = new("-q") { Description = "print only the first line and the statistics, as iputils ping -q" };
        Option<bool> numeric = new("-n") { Description = "numeric output only (always so: no names are resolved; accepted as iputils spells it)" };
        Option<bool> ipv4 = new("-4") { Description = "IPv4 only (always so; accepted as iputils spells it)" };
        Option<bool> ipv6 = new("-6") { Description = "IPv6: refused, the stack speaks IPv4 only" };
        Command command = new("ping", "Send ICMP echo requests from the stack and print the replies, like iputils ping (which flags it takes: see --help)")
        {
            destination, count, size, timeout, interval, ttl, deadline, quiet, numeric, ipv4, ipv6,
        };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            if (parse.GetValue(ipv6))
            {
                throw CliError.Usage(parse.GetValue(ipv4) ? "-4 and -6 are mutually exclusive" : "-6: IPv6 not supported yet (the stack speaks IPv4 only)");
            }
            StackSettings settings = stack.Read(parse);
            Ipv4Address target = CommandLineValues.Destination(parse.GetValue(destination), settings.Address, CommandLineValues.PingBroadcastRefusal);
            int? n = parse.GetValue(count);
            if (n is <= 0)
            {
                throw CliError.Usage($"-c: bad number of packets to transmit: {n}");
            }
            int length = parse.GetValue(size);
            if (length is < 0 or > UdpHeader.MaxPayloadLength)
            {
                throw CliError.Usage($"-s: invalid argument: '{length}': out of range: 0 <= value <= {UdpHeader.MaxPayloadLength}");
            }
            int t = parse.GetValue(ttl);
            if (t is < 1 or > 255)
            {
                throw CliError.Usage($"-t: invalid argument: '{t}': out of range: 1 <= value <= 255");
            }
            Options options = new(
                target, n, length,
                CommandLineValues.Seconds("-W", parse.GetValue(timeout) ?? DefaultLingerSeconds),
                CommandLineValues.Seconds("-i", parse.GetValue(interval)),
                (byte)t,
                parse.GetValue(deadline) is double d ? CommandLineValues.Seconds("-w", d) : null,
                parse.GetValue(quiet));
            using StackHost host = StackHost.Start(settings);
            return Run(host, options, Console.Out);
        });
        return command;
    }

    internal sealed record Options(Ipv4Address Target, int? Count, int Size, TimeSpan Linger, TimeSpan Interval, byte TimeToLive, TimeSpan? Deadline, bool Quiet = false);

    internal static int Run(StackHost host, Options o, TextWriter output)
    {
        using IcmpSocket socket = host.Interface.Sockets.CreateIcmpSocket();
        ushort identifier = (ushort)Random.Shared.Next(1, ushort.MaxValue);
        socket.Bind(IcmpBinding.Identifier(identifier));
        socket.TimeToLive = o.TimeToLive;
        output.WriteLine($"PING {o.Target} ({o.Target}) {o.Size}({o.Size + Ipv4Header.Length + IcmpV4Message.HeaderLength}) bytes of data.");

        var sentAt = new Instant[ushort.MaxValue + 1];
        var answered = new bool[ushort.MaxValue + 1];
        byte[] request = new byte[IcmpV4Message.HeaderLength + o.Size];
        for (int i = 0; i < o.Size; i++)
        {
            request[IcmpV4Message.HeaderLength + i] = (byte)(i + 8); // iputils' fill pattern
        }
        byte[] receive = new byte[65536];
        int transmitted = 0, received = 0, errors = 0, duplicates = 0;
        double rttSum = 0, rttSquares = 0, rttMin = double.MaxValue, rttMax = 0;
        Instant start = host.Now, lastEvent = start, nextSend = start;
        Instant? end = o.Deadline is { } dl ? start + dl : null;
        Instant? lingerUntil = null;

        while (!host.IsStopping)
        {
            Instant now = host.Now;
            if ((o.Count is null || transmitted < o.Count) && now >= nextSend)
            {
                ushort sequence = (ushort)(transmitted + 1);
                IcmpV4Message.EchoRequest(identifier, sequence).WriteTo(request);
                socket.TrySendTo(request, o.Target);
                sentAt[sequence] = now;
                answered[sequence] = false;
                transmitted++;
                lastEvent = now;
                nextSend = now + o.Interval;
                if (o.Count == transmitted)
                {
                    lingerUntil = now + o.Linger;
                }
            }
            while (socket.TryReceiveFrom(receive, out int length, out Ipv4Address source, out byte ttl))
            {
                ReadOnlySpan<byte> message = receive.AsSpan(0, Math.Min(length, receive.Length));
                if (!IcmpV4Message.TryParse(message, out IcmpV4Message icmp))
                {
                    continue;
                }
                now = host.Now;
                lastEvent = now;
                if (icmp.Type == IcmpV4Type.EchoReply)
                {
                    ushort seq = icmp.SequenceNumber;
                    double ms = (now - sentAt[seq]).TotalMilliseconds;
                    bool duplicate = answered[seq];
                    if (duplicate)
                    {
                        duplicates++;
                    }
                    else
                    {
                        answered[seq] = true;
                        received++;
                        rttSum += ms;
                        rttSquares += ms * ms;
                        rttMin = Math.Min(rttMin, ms);
                        rttMax = Math.Max(rttMax, ms);
                    }
                    if (!o.Quiet)
                    {
                        output.WriteLine($"{length} bytes from {source}: icmp_seq={seq} ttl={ttl} time={CommandLineValues.Milliseconds(ms)} ms{(duplicate ? " (DUP!)" : "")}");
                    }
                }
                else if (icmp.IsError && TryQuotedSequence(message, out ushort errorSeq))
                {
                    errors++;
                    if (!o.Quiet)
                    {
                        output.WriteLine($"From {source} icmp_seq={errorSeq} {Describe(icmp)}");
                    }
                }
            }
            now = host.Now;
            bool allSent = o.Count is not null && transmitted >= o.Count;
            bool allAnswered = allSent && received + errors >= transmitted;
            if (allAnswered || (lingerUntil is { } lu && now >= lu) || (end is { } e && now >= e))
            {
                break;
            }
            Instant? wake = allSent ? lingerUntil : nextSend;
            host.PollUntil(Instant.Min(wake, end));
        }

        output.WriteLine();
        output.WriteLine($"--- {o.Target} ping statistics ---");
        int lossPercent = transmitted == 0 ? 0 : (int)((transmitted - received) * 100L / transmitted);
        string errorText = errors > 0 ? $", +{errors} errors" : "";
        string dupText = duplicates > 0 ? $", +{duplicates} duplicates" : "";
        output.WriteLine($"{transmitted} packets transmitted, {received} received{dupText}{errorText}, {lossPercent}% packet loss, time {(long)(lastEvent - start).TotalMilliseconds}ms");
        if (received > 0)
        {
            double avg = rttSum / received;
            double mdev = Math.Sqrt(Math.Max(0, rttSquares / received - avg * avg));
            output.WriteLine($"rtt min/avg/max/mdev = {CommandLineValues.Fixed3(rttMin)}/{CommandLineValues.Fixed3(avg)}/{CommandLineValues.Fixed3(rttMax)}/{CommandLineValues.Fixed3(mdev)} ms");
        }
        output.Flush();
        bool complete = o.Count is not { } c || o.Deadline is null || received >= c;
        return received > 0 && complete ? 0 : 1;
    }

    /// <summary>The sequence number of the echo request an ICMP error quotes.</summary>
    private static bool TryQuotedSequence(ReadOnlySpan<byte> message, out ushort sequence)
    {
        sequence = 0;
        ReadOnlySpan<byte> quoted = message[IcmpV4Message.HeaderLength..];
        if (!Ipv4Header.TryParseQuoted(quoted, out _, out int headerLength) || quoted.Length < headerLength + IcmpV4Message.HeaderLength)
        {
            return false;
        }
        sequence = BinaryPrimitives.ReadUInt16BigEndian(quoted[(headerLength + 6)..]);
        return true;
    }

    /// <summary>The words iputils prints for an ICMP error.</summary>
    internal static string Describe(IcmpV4Message icmp) => (icmp.Type, (IcmpV4Unreachable)icmp.Code) switch
    {
        (IcmpV4Type.DestinationUnreachable, IcmpV4Unreachable.Net) => "Destination Net Unreachable",
        (IcmpV4Type.DestinationUnreachable, IcmpV4Unreachable.Host) => "Destination Host Unreachable",
        (IcmpV4Type.DestinationUnreachable, IcmpV4Unreachable.Protocol) => "Destination Protocol Unreachable",
        (IcmpV4Type.DestinationUnreachable, IcmpV4Unreachable.Port) => "Destination Port Unreachable",
        (IcmpV4Type.DestinationUnreachable, IcmpV4Unreachable.FragmentationNeeded) => $"Frag needed and DF set (mtu = {icmp.NextHopMtu})",
        (IcmpV4Type.DestinationUnreachable, IcmpV4Unreachable.AdministrativelyProhibited) => "Packet filtered",
        (IcmpV4Type.DestinationUnreachable, _) => $"Dest Unreachable, Bad Code: {icmp.Code}",
        (IcmpV4Type.TimeExceeded, 0) => "Time to live exceeded",
        (IcmpV4Type.TimeExceeded, _) => "Frag reassembly time exceeded",
        (IcmpV4Type.ParameterProblem, _) => "Parameter problem",
        _ => $"Bad ICMP type: {(byte)icmp.Type}",
    };
}
