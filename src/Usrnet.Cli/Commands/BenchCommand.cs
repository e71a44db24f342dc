using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Usrnet.Async;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet bench reader|writer</c>, smoltcp's benchmark shape: the stack listens on 1234 and sends
/// BYTES to whoever connects (the client reads), or on 1235 and receives BYTES (the client writes),
/// then prints the throughput. The client is any kernel program, e.g. <c>nc 10.0.0.102 1234 &gt; /dev/null</c>.
/// </summary>
internal static class BenchCommand
{
    /// <summary>smoltcp's benchmark transfers 10^9 bytes.</summary>
    private const long DefaultBytes = 1_000_000_000;

    public static Command Create()
    {
        Command bench = new("bench", "Measure TCP throughput against a kernel client (smoltcp's benchmark shape)");
        bench.Subcommands.Add(Create("reader", 1234, "the client reads: the stack listens on 1234 and sends BYTES"));
        bench.Subcommands.Add(Create("writer", 1235, "the client writes: the stack listens on 1235 and receives BYTES"));
        bench.Subcommands.Add(CreateInProcess());
        bench.Subcommands.Add(CreateAsync());
        bench.Subcommands.Add(BenchSynCommand.Create());
        bench.Subcommands.Add(BenchIdleCommand.Create());
        bench.Subcommands.Add(SoakCommand.Create());
        return bench;
    }

    private static Command Create(string name, ushort defaultPort, string description)
    {
        StackOptions stack = new();
        Option<long> bytes = new("--bytes") { Description = $"bytes to transfer (default {DefaultBytes})", HelpName = "BYTES", DefaultValueFactory = _ => DefaultBytes };
        Option<int> port = new("--port") { Description = $"port to listen on (default {defaultPort})", HelpName = "PORT", DefaultValueFactory = _ => defaultPort };
        Option<int> buffer = new("--buffer") { Description = "TCP send and receive buffer size in bytes (default 1 MiB)", HelpName = "BYTES", DefaultValueFactory = _ => 1 << 20 };
        Command command = new(name, description) { bytes, port, buffer };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            long total = parse.GetValue(bytes);
            int p = parse.GetValue(port);
            int size = parse.GetValue(buffer);
            CheckBytes(total);
            if (p is < 1 or > ushort.MaxValue)
            {
                throw CliError.Usage($"--port: {p} out of range (1 to 65535)");
            }
            CheckBuffer(size);
            using StackHost host = StackHost.Start(settings);
            TcpSocketOptions options = new() { SendBufferSize = size, ReceiveBufferSize = size };
            return Run(host, name == "reader", (ushort)p, total, options, Console.Out);
        });
        return command;
    }

    /// <summary>Largest --buffer and --write: 1 GiB.</summary>
    private const int MaxBuffer = 1 << 30;

    /// <summary>Smallest --buffer: 1 KiB.</summary>
    private const int MinBuffer = 1 << 10;

    private static void CheckBytes(long total)
    {
        if (total < 1)
        {
            throw CliError.Usage($"--bytes: {total} must be at least 1");
        }
    }

    private static void CheckBuffer(int size)
    {
        if (size is < MinBuffer or > MaxBuffer)
        {
            throw CliError.Usage($"--buffer: {size} out of range (1 KiB = 1024 to 1 GiB = {MaxBuffer} bytes)");
        }
    }

    private static Command CreateInProcess()
    {
        Option<long> bytes = new("--bytes") { Description = $"bytes to transfer (default {DefaultBytes})", HelpName = "BYTES", DefaultValueFactory = _ => DefaultBytes };
        Option<int> buffer = new("--buffer") { Description = "TCP send and receive buffer size in bytes (default 1 MiB)", HelpName = "BYTES", DefaultValueFactory = _ => 1 << 20 };
        BenchLinkOptions link = new();
        Command command = new("in-process", "Two stacks in this process joined by an in-memory link, one thread: stack A sends BYTES to stack B over TCP (no tap, no root)")
        {
            bytes, buffer,
        };
        link.AddTo(command);
        command.SetAction(parse =>
        {
            long total = parse.GetValue(bytes);
            int size = parse.GetValue(buffer);
            CheckBytes(total);
            CheckBuffer(size);
            DeviceCapabilities capabilities = link.Read(parse);
            return RunInProcess(total, new TcpSocketOptions { SendBufferSize = size, ReceiveBufferSize = size }, capabilities, Console.Out);
        });
        return command;
    }

    private static Command CreateAsync()
    {
        Option<long> bytes = new("--bytes") { Description = $"bytes to transfer (default {DefaultBytes})", HelpName = "BYTES", DefaultValueFactory = _ => DefaultBytes };
        Option<int> write = new("--write") { Description = "bytes per WriteAsync and per ReadAsync (default 64 KiB)", HelpName = "BYTES", DefaultValueFactory = _ => 1 << 16 };
        BenchLinkOptions link = new();
        Command command = new("async", "Two NetworkStacks in this process, each on its own loop thread, joined by an in-memory link: a TcpStream on A writes BYTES to one on B (no tap, no root)")
        {
            bytes, write,
        };
        link.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            long total = parse.GetValue(bytes);
            int size = parse.GetValue(write);
            CheckBytes(total);
            if (size is < 1 or > MaxBuffer)
            {
                throw CliError.Usage($"--write: {size} out of range (1 byte to 1 GiB)");
            }
            DeviceCapabilities capabilities = link.Read(parse);
            return await RunAsync(total, size, capabilities, Console.Out, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The async facade's throughput: what a .NET program using TcpStream gets, loop threads and hand-offs included.</summary>
    internal static async Task<int> RunAsync(long total, int writeSize, DeviceCapabilities link, TextWriter output, CancellationToken cancellationToken)
    {
        TcpSocketOptions tcp = new() { SendBufferSize = 1 << 20, ReceiveBufferSize = 1 << 20 };
        MemoryLink.CreatePair(out IDevice deviceA, out IDevice deviceB, capabilities: link);
        await using NetworkStack a = NetworkStack.Start(deviceA, new NetworkStackOptions
        {
            Interface = new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01"), Address = Ipv4Cidr.Parse("192.0.2.1/24") },
            Tcp = tcp,
        });
        await using NetworkStack b = NetworkStack.Start(deviceB, new NetworkStackOptions
        {
            Interface = new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = Ipv4Cidr.Parse("192.0.2.2/24") },
            Tcp = tcp,
        });
        TcpStream receiver;
        TcpStream sender;
        using (TcpStreamListener listener = b.ListenTcp(1235, backlog: 1))
        {
            ValueTask<TcpStream> accepted = listener.AcceptAsync(cancellationToken);
            sender = await a.ConnectAsync(new Ipv4Endpoint(Ipv4Address.Parse("192.0.2.2"), 1235), cancellationToken).ConfigureAwait(false);
            receiver = await accepted.ConfigureAwait(false);
        }
        await using (sender.ConfigureAwait(false))
        await using (receiver.ConfigureAwait(false))
        {
            byte[] chunk = new byte[writeSize];
            long startAllocated = GC.GetTotalAllocatedBytes(precise: true);
            Stopwatch clock = Stopwatch.StartNew();
            Task<long> reading = Task.Run(async () =>
            {
                byte[] sink = new byte[writeSize];
                long received = 0;
                int r;
                while ((r = await receiver.ReadAsync(sink, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    received += r;
                }
                return received;
            }, cancellationToken);
            for (long sent = 0; sent < total; sent += chunk.Length)
            {
                await sender.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, total - sent)), cancellationToken).ConfigureAwait(false);
            }
            sender.ShutdownWrite();
            long receivedTotal = await reading.ConfigureAwait(false);
            clock.Stop();
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - startAllocated;
            double seconds = clock.Elapsed.TotalSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{receivedTotal} bytes in {seconds:F3} s: {receivedTotal * 8 / seconds / 1e9:F3} Gbps (two NetworkStacks, TcpStream, {writeSize}-byte writes, {BenchLinkOptions.Describe(link)}); retransmissions {sender.Statistics.Retransmissions}, allocated {allocated} bytes"));
            output.Flush();
            return receivedTotal == total ? 0 : 1;
        }
    }

    internal static int RunInProcess(long total, TcpSocketOptions options, DeviceCapabilities link, TextWriter output)
    {
        MemoryLink.CreatePair(out IDevice deviceA, out IDevice deviceB, capabilities: link);
        using Interface a = new(deviceA, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01"), Address = Ipv4Cidr.Parse("192.0.2.1/24") });
        using Interface b = new(deviceB, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = Ipv4Cidr.Parse("192.0.2.2/24") });
        using TcpListenSocket listener = b.Sockets.CreateTcpListenSocket(options);
        listener.Listen(1235, backlog: 1);
        TcpSocket sender = a.Sockets.CreateTcpSocket(options);
        sender.Connect(Instant.Now, new Ipv4Endpoint(Ipv4Address.Parse("192.0.2.2"), 1235));
        TcpSocket? receiver = null;
        while (receiver is null)
        {
            Instant now = Instant.Now;
            a.Poll(now);
            b.Poll(now);
            listener.TryAccept(out receiver);
        }
        byte[] chunk = new byte[1 << 16];
        byte[] sink = new byte[1 << 16];
        long sent = 0, received = 0;
        long startAllocated = GC.GetTotalAllocatedBytes(precise: true);
        Stopwatch clock = Stopwatch.StartNew();
        while (received < total)
        {
            while (sent < total)
            {
                int n = sender.Send(chunk.AsSpan(0, (int)Math.Min(chunk.Length, total - sent)));
                if (n == 0)
                {
                    break;
                }
                sent += n;
            }
            Instant now = Instant.Now;
            a.Poll(now);
            b.Poll(now);
            int r;
            while ((r = receiver.Receive(sink)) > 0)
            {
                received += r;
            }
        }
        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - startAllocated;
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{received} bytes in {seconds:F3} s: {received * 8 / seconds / 1e9:F3} Gbps (two stacks, one thread, {BenchLinkOptions.Describe(link)}); retransmissions {sender.Statistics.Retransmissions}, allocated {allocated} bytes, receive buffer grown to {receiver.Statistics.ReceiveBufferSize}"));
        output.Flush();
        sender.Dispose();
        receiver.Dispose();
        return 0;
    }

    internal static int Run(StackHost host, bool stackSends, ushort port, long total, TcpSocketOptions options, TextWriter output)
    {
        using TcpListenSocket listener = host.Interface.Sockets.CreateTcpListenSocket(options);
        listener.Listen(port, backlog: 1);
        Ipv4Address address = host.Interface.Address?.Address ?? Ipv4Address.Any;
        output.WriteLine($"{Readiness.Listening(address, port, "tcp")}, bench {(stackSends ? "reader: will send" : "writer: will receive")} {total} bytes");
        output.Flush();
        TcpSocket? socket = null;
        host.RunUntil(() => listener.TryAccept(out socket));
        if (socket is null)
        {
            return 1; // interrupted
        }
        using TcpSocket connection = socket;
        byte[] buffer = new byte[1 << 16];
        long done = 0;
        long startAllocated = GC.GetTotalAllocatedBytes(precise: true);
        Stopwatch clock = Stopwatch.StartNew();
        try
        {
            while (!host.IsStopping && done < total && connection.State != TcpState.Closed)
            {
                if (stackSends)
                {
                    while (done < total && connection.IsSendOpen)
                    {
                        int n = connection.Send(buffer.AsSpan(0, (int)Math.Min(buffer.Length, total - done)));
                        if (n == 0)
                        {
                            break;
                        }
                        done += n;
                    }
                }
                else
                {
                    int n;
                    while ((n = connection.Receive(buffer)) > 0)
                    {
                        done += n;
                    }
                    if (connection.IsReceiveComplete || done >= total)
                    {
                        break; // the last byte is in: do not sleep until another frame comes
                    }
                }
                host.PollUntil(null);
            }
            if (stackSends)
            {
                // Done when the client has acknowledged every byte.
                connection.Shutdown();
                host.RunUntil(() => connection.BytesUnacknowledged == 0 || connection.State == TcpState.Closed);
            }
        }
        catch (SocketException e)
        {
            throw new CliError($"{TcpCatCommand.Describe(e.SocketErrorCode)}");
        }
        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - startAllocated;
        double seconds = clock.Elapsed.TotalSeconds;
        double gbps = done * 8 / seconds / 1e9;
        TcpStatistics stats = connection.Statistics;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{done} bytes in {seconds:F3} s: {gbps:F3} Gbps ({(stackSends ? "stack sends" : "stack receives")}); retransmissions {stats.Retransmissions}, allocated {allocated} bytes"));
        output.Flush();
        return done == total ? 0 : 1;
    }
}
