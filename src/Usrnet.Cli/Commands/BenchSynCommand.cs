using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet bench syn [--syns N]</c>: how many SYNs one stack thread absorbs per second. SYNs shaped as
/// <c>hping3 -S --flood --rand-source</c> sends them (random sources beyond the gateway, random ports, no
/// options) are fed to a listening interface over the in-memory link, a poll's worth at a time; only the
/// interface's <see cref="Interface.Poll"/> is timed. What the flood costs the kernel (reading the tap) is
/// not included: this is the stack's own share.
/// </summary>
internal static class BenchSynCommand
{
    private const int DefaultSyns = 2_000_000;
    private const ushort ListenPort = 80;

    /// <summary>Distinct SYNs built up front and sent in turn: enough that a four-tuple does not come back while its half-open entry lives.</summary>
    private const int DistinctSyns = 1 << 16;

    /// <summary>SYNs queued between polls: the interface takes up to this many frames per poll.</summary>
    private const int Batch = 256;

    /// <summary>hping3's default window for its SYNs.</summary>
    private const ushort FloodWindow = 512;

    private static readonly EthernetAddress s_stackMac = EthernetAddress.Parse("06:11:22:33:44:55");
    private static readonly EthernetAddress s_gatewayMac = EthernetAddress.Parse("02:00:00:00:00:01");
    private static readonly Ipv4Cidr s_stackAddress = Ipv4Cidr.Parse("10.0.0.102/24");
    private static readonly Ipv4Address s_gateway = Ipv4Address.Parse("10.0.0.101");

    public static Command Create()
    {
        Option<int> syns = new("--syns") { Description = $"SYNs to send (default {DefaultSyns})", HelpName = "N", DefaultValueFactory = _ => DefaultSyns };
        Command command = new("syn", "SYNs per second one stack thread absorbs (a listener flooded as by hping3 -S --flood --rand-source), in process") { syns };
        command.SetAction(parse =>
        {
            int total = parse.GetValue(syns);
            if (total < Batch)
            {
                throw CliError.Usage($"--syns must be at least {Batch}");
            }
            return Run(total, Console.Out);
        });
        return command;
    }

    internal static int Run(int total, TextWriter output)
    {
        MemoryLink link = new(queueCapacity: Batch * 2);
        using Interface stack = new(link.B, new InterfaceOptions { HardwareAddress = s_stackMac, Address = s_stackAddress, Gateway = s_gateway, Seed = 1 });
        using TcpListenSocket listener = stack.Sockets.CreateTcpListenSocket();
        listener.Listen(ListenPort);
        IDevice attacker = link.A;
        LearnGateway(stack, attacker);
        byte[][] frames = BuildSyns(DistinctSyns, new Random(1));

        long replies = 0;
        long ticks = 0;
        long allocated = 0;
        for (int sent = 0; sent < total;)
        {
            Instant now = Instant.Now;
            for (int i = 0; i < Batch && sent < total; i++, sent++)
            {
                attacker.Transmit(now, PacketBuffer.Copy(frames[sent % frames.Length]));
            }
            long startAllocated = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            stack.Poll(now);
            ticks += Stopwatch.GetTimestamp() - start;
            allocated += GC.GetAllocatedBytesForCurrentThread() - startAllocated;
            while (attacker.Receive(now) is { } reply)
            {
                replies++;
                reply.Dispose();
            }
        }
        double seconds = (double)ticks / Stopwatch.Frequency;
        InterfaceCounters counters = stack.Counters;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{total} SYNs in {seconds:F3} s of stack time: {total / seconds:F0} SYNs/s ({seconds * 1e9 / total:F0} ns per SYN); " +
            $"{replies} frames sent ({listener.SynCookiesSent} SYN-ACKs with cookies, {listener.HalfOpenCount} half-open), " +
            $"{counters.SynsOverBudget} SYNs over the poll budget, the stack allocated {allocated} bytes"));
        output.Flush();
        return 0;
    }

    /// <summary>An ARP request from the gateway, so the stack knows where to send replies for off-link sources (RFC 826: it learns the sender).</summary>
    private static void LearnGateway(Interface stack, IDevice attacker)
    {
        PacketBuffer frame = PacketBuffer.Rent(EthernetHeader.Length + ArpHeader.Length);
        new EthernetHeader(EthernetAddress.Broadcast, s_gatewayMac, EtherType.Arp).WriteTo(frame.Span);
        new ArpHeader(ArpOperation.Request, s_gatewayMac, s_gateway, default, s_stackAddress.Address).WriteTo(frame.Span[EthernetHeader.Length..]);
        attacker.Transmit(Instant.Now, frame);
        stack.Poll(Instant.Now);
        while (attacker.Receive(Instant.Now) is { } reply)
        {
            reply.Dispose();
        }
    }

    private static byte[][] BuildSyns(int count, Random random)
    {
        byte[][] frames = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            // A random public source, as --rand-source picks (never 10.0.0.0/8: those would need ARP).
            Ipv4Address source = new((byte)random.Next(11, 224), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(1, 255));
            TcpHeader syn = new((ushort)random.Next(1024, 65536), ListenPort, new TcpSeqNumber((uint)random.Next()), default, TcpFlags.Syn, FloodWindow);
            byte[] frame = new byte[EthernetHeader.Length + Ipv4Header.Length + syn.Length];
            new EthernetHeader(s_stackMac, s_gatewayMac, EtherType.Ipv4).WriteTo(frame);
            Span<byte> ip = frame.AsSpan(EthernetHeader.Length);
            syn.WriteTo(ip[Ipv4Header.Length..], source, s_stackAddress.Address);
            new Ipv4Header(source, s_stackAddress.Address, IpProtocol.Tcp, syn.Length).WriteTo(ip);
            frames[i] = frame;
        }
        return frames;
    }
}
