using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet bench idle [--connections N]</c>: what an idle established connection costs. Two stacks in
/// this process, joined by an in-memory link and driven on virtual time, open N connections; each echoes
/// one message (so both rings of both ends were used) and is then left idle. The managed heap
/// (<see cref="GC.GetTotalMemory"/> after a full collection) and the process's RSS are printed before,
/// with the connections idle, and after closing them all and waiting out TIME-WAIT.
/// </summary>
internal static class BenchIdleCommand
{
    private const int DefaultConnections = 10_000;

    /// <summary>Connects per settle: below the 200 SYNs ARP parks for one neighbour before it answers, and the link's queue.</summary>
    private const int Batch = 100;

    /// <summary>The message each connection echoes once.</summary>
    private const int MessageLength = 100;

    private const ushort Port = 7;

    public static Command Create()
    {
        Option<int> connections = new("--connections") { Description = $"connections to open (default {DefaultConnections})", HelpName = "N", DefaultValueFactory = _ => DefaultConnections };
        Command command = new("idle", "Memory per idle established TCP connection: two stacks in this process open N connections, echo one message on each, and leave them idle") { connections };
        command.SetAction(parse =>
        {
            int count = parse.GetValue(connections);
            if (count is < 1 or > 16_000)
            {
                throw CliError.Usage("--connections: 1 to 16000 (the ephemeral ports of one address pair)");
            }
            return Run(count, Console.Out);
        });
        return command;
    }

    internal static int Run(int count, TextWriter output)
    {
        MemoryLink.CreatePair(out IDevice deviceA, out IDevice deviceB);
        using Interface a = new(deviceA, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01"), Address = Ipv4Cidr.Parse("192.0.2.1/24"), Seed = 1 });
        using Interface b = new(deviceB, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = Ipv4Cidr.Parse("192.0.2.2/24"), Seed = 2 });
        VirtualClock clock = new(a, b);
        using TcpListenSocket listener = b.Sockets.CreateTcpListenSocket();
        listener.Listen(Port, backlog: count);
        Memory start = Memory.Measure();
        Stopwatch elapsed = Stopwatch.StartNew();

        List<TcpSocket> clients = new(count);
        List<TcpSocket> servers = new(count);
        Ipv4Endpoint remote = new(Ipv4Address.Parse("192.0.2.2"), Port);
        while (clients.Count < count)
        {
            for (int i = 0; i < Batch && clients.Count < count; i++)
            {
                TcpSocket client = a.Sockets.CreateTcpSocket();
                client.Connect(clock.Now, remote);
                clients.Add(client);
            }
            clock.Advance(TimeSpan.FromMilliseconds(1));
            while (listener.TryAccept(out TcpSocket? server))
            {
                servers.Add(server);
            }
        }
        clock.Advance(TimeSpan.FromSeconds(1));
        while (listener.TryAccept(out TcpSocket? server))
        {
            servers.Add(server);
        }
        int answered = Echo(clients, servers, clock);
        clock.Advance(TimeSpan.FromSeconds(1)); // delayed ACKs out: every connection idle
        Memory idle = Memory.Measure();
        int established = clients.Count(c => c.State == TcpState.Established) + servers.Count(s => s.State == TcpState.Established);

        CloseAll(clients, clock); // each server's peer closed: CLOSE-WAIT, then its own close below
        CloseAll(servers, clock);
        Memory closed = Memory.Measure();

        double perSocket(long bytes) => bytes / (2.0 * count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} connections ({2 * count} sockets, both ends in this process), {established} sockets established, {answered} echoes answered, in {elapsed.Elapsed.TotalSeconds:F1} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"before: GC heap {start.Heap / 1e6:F1} MB, RSS {start.Rss / 1e6:F1} MB"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"idle:   GC heap {idle.Heap / 1e6:F1} MB, RSS {idle.Rss / 1e6:F1} MB: {perSocket(idle.Heap - start.Heap) / 1024:F2} KiB of heap and {perSocket(idle.Rss - start.Rss) / 1024:F2} KiB of RSS per idle socket"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"closed: GC heap {closed.Heap / 1e6:F1} MB, RSS {closed.Rss / 1e6:F1} MB ({a.Sockets.Count + b.Sockets.Count - 1} sockets left)"));
        output.Flush();
        return answered == count && established == 2 * count ? 0 : 1;
    }

    /// <summary>
    /// Each client sends one message, each server echoes it, each client reads it back, a batch at a
    /// time (the link's queue holds a bounded number of frames); returns how many came back whole.
    /// </summary>
    private static int Echo(List<TcpSocket> clients, List<TcpSocket> servers, VirtualClock clock)
    {
        byte[] message = new byte[MessageLength];
        byte[] buffer = new byte[MessageLength * 2];
        int answered = 0;
        for (int first = 0; first < clients.Count; first += Batch)
        {
            int last = Math.Min(first + Batch, clients.Count);
            for (int i = first; i < last; i++)
            {
                clients[i].Send(message);
            }
            clock.Advance(TimeSpan.FromMilliseconds(1));
            foreach (TcpSocket server in servers)
            {
                int n = server.Receive(buffer);
                server.Send(buffer.AsSpan(0, n));
            }
            clock.Advance(TimeSpan.FromMilliseconds(1));
            for (int i = first; i < last; i++)
            {
                answered += clients[i].Receive(buffer) == MessageLength ? 1 : 0;
            }
        }
        return answered;
    }

    /// <summary>Disposes every socket, a batch at a time, then waits out TIME-WAIT.</summary>
    private static void CloseAll(List<TcpSocket> sockets, VirtualClock clock)
    {
        for (int first = 0; first < sockets.Count; first += Batch)
        {
            foreach (TcpSocket socket in sockets.Skip(first).Take(Batch))
            {
                socket.Dispose();
            }
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        sockets.Clear();
        clock.Advance(2 * TcpSocketOptions.Default.MaximumSegmentLifetime + TimeSpan.FromSeconds(10));
    }

    /// <summary>Two interfaces polled on one virtual clock, advanced from timer to timer.</summary>
    private sealed class VirtualClock(Interface a, Interface b)
    {
        public Instant Now { get; private set; } = Instant.FromSeconds(1000);

        public void Advance(TimeSpan duration)
        {
            Instant end = Now + duration;
            Settle();
            while (Instant.Min(a.PollAt(Now), b.PollAt(Now)) is { } next && next <= end)
            {
                Now = next > Now ? next : Now + TimeSpan.FromMicroseconds(1);
                Settle();
            }
            Now = end;
            Settle();
        }

        private void Settle()
        {
            while (a.Poll(Now) | b.Poll(Now))
            {
            }
        }
    }

    /// <summary>The managed heap after a full collection, and the resident set.</summary>
    private readonly record struct Memory(long Heap, long Rss)
    {
        public static Memory Measure()
        {
            long heap = GC.GetTotalMemory(forceFullCollection: true);
            using Process self = Process.GetCurrentProcess();
            return new Memory(heap, self.WorkingSet64);
        }
    }
}
