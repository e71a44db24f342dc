using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Usrnet.Async;
using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet bench soak</c>: one <see cref="NetworkStack"/> that carries every kind of traffic at once,
/// for as long as it runs (bench/soak.sh drives the kernel's side and judges the figures): a TCP echo
/// server and a UDP echo server on port 7 (RFC 862), a TCP source on 1234 (sends to whoever connects
/// until the peer half-closes) and a TCP sink on 1235 (reads until the peer half-closes), short TCP
/// connections of its own to an echo server (<c>--connect</c>), periodic DNS lookups (<c>--lookup</c>),
/// and DHCP with its renewals (<c>--dhcp</c>). Every <c>--interval</c> it prints one line of JSON: the
/// process's memory (RSS, GC heap after a full collection), handles (open fds, threads), the stack's
/// sockets and ARP entries, what each kind of traffic did, and the interface's counters. On SIGINT or
/// SIGTERM it closes every connection, prints a last line (<c>"final": true</c>) and stops the stack
/// (which closes what is left, FIN then RST after a linger, as every command does), and exits as every
/// command does after a signal (130 or 143, <c>usrnet: bench soak: interrupted</c>).
/// </summary>
internal static class SoakCommand
{
    /// <summary>The echo protocol's port (RFC 862), TCP and UDP.</summary>
    public const ushort EchoPort = 7;

    /// <summary>The TCP source: the stack sends (bench reader's port).</summary>
    public const ushort SourcePort = 1234;

    /// <summary>The TCP sink: the stack receives (bench writer's port).</summary>
    public const ushort SinkPort = 1235;

    /// <summary>Bytes per read and write on every connection.</summary>
    private const int ChunkSize = 1 << 16;

    /// <summary>The payload of one outbound short connection.</summary>
    private const int ShortMessageSize = 1000;

    /// <summary>How long one outbound short connection or one lookup may take before it counts as failed.</summary>
    private static readonly TimeSpan s_attemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long connections get to finish on the way out before they are left to the stack's dispose.</summary>
    private static readonly TimeSpan s_closeGrace = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        StackOptions stack = new();
        Option<double> interval = new("--interval") { Description = "seconds between two report lines (default 60)", HelpName = "SECONDS", DefaultValueFactory = _ => 60 };
        Option<bool> dhcp = new("--dhcp") { Description = "lease the address by DHCP (instead of --ip and --gateway) and keep it through renewals; release on exit" };
        Option<string?> connect = new("--connect") { Description = "an echo server to open short TCP connections to (each sends 1000 bytes, half-closes and checks the echo)", HelpName = "ADDR:PORT" };
        Option<double> connectEvery = new("--connect-every") { Description = "seconds between two outbound connections (default 0.1)", HelpName = "SECONDS", DefaultValueFactory = _ => 0.1 };
        Option<string?> lookup = new("--lookup") { Description = "a domain: look up s1.DOMAIN, s2.DOMAIN… (new names, so the cache is both used and evicted) from the lease's name servers or --gateway", HelpName = "DOMAIN" };
        Option<double> lookupEvery = new("--lookup-every") { Description = "seconds between two lookups (default 0.1)", HelpName = "SECONDS", DefaultValueFactory = _ => 0.1 };
        Command command = new("soak", $"Run one stack with every kind of traffic for bench/soak.sh: TCP and UDP echo on {EchoPort}, a TCP source on {SourcePort} and sink on {SinkPort}, outbound short connections, DNS lookups, DHCP renewals; print memory, handles and counters as a JSON line every --interval, until interrupted")
        {
            interval, dhcp, connect, connectEvery, lookup, lookupEvery,
        };
        stack.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            StackSettings settings = stack.Read(parse);
            bool leased = parse.GetValue(dhcp);
            if (leased)
            {
                stack.RefuseStaticAddress(parse);
            }
            SoakOptions options = new(
                CommandLineValues.Seconds("--interval", parse.GetValue(interval), minimum: 1),
                parse.GetValue(connect) is string c ? ReadEndpoint(c) : null,
                CommandLineValues.Seconds("--connect-every", parse.GetValue(connectEvery), minimum: 0.001),
                parse.GetValue(lookup) is string l ? ReadDomain(l) : null,
                CommandLineValues.Seconds("--lookup-every", parse.GetValue(lookupEvery), minimum: 0.001));
            using CancellationTokenSource interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, TerminationSignals.Token);
            CancellationToken stop = interrupted.Token;
            IReadOnlyList<Ipv4Address>? dns = !leased && settings.Gateway is { } gateway ? [gateway] : null;
            await using NetworkStack network = StackDevice.StartNetworkStack(settings, dns, leased ? new DhcpClientOptions() : null);
            if (leased)
            {
                try
                {
                    await StackDevice.WaitForLeaseAsync(network, Console.Out, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return 0; // SIGINT or SIGTERM before the lease came
                }
            }
            return await new SoakRun(network, options, Console.Out).RunAsync(stop).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>What the soak runs, validated.</summary>
    internal sealed record SoakOptions(TimeSpan Interval, Ipv4Endpoint? Connect, TimeSpan ConnectEvery, string? Lookup, TimeSpan LookupEvery);

    private static Ipv4Endpoint ReadEndpoint(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !Ipv4Address.TryParse(text[..colon], out Ipv4Address address) || !address.IsUnicast
            || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
        {
            throw CliError.Usage($"--connect: '{text}' is not ADDR:PORT (a unicast IPv4 address and a port from 1 to 65535)");
        }
        return new Ipv4Endpoint(address, port);
    }

    private static string ReadDomain(string text)
    {
        Span<byte> wire = stackalloc byte[DnsName.MaxLength];
        // The longest name asked is s<long>.DOMAIN: it must still encode.
        if (text.Length == 0 || !DnsName.TryEncode($"s{long.MaxValue}.{text}", wire, out _))
        {
            throw CliError.Usage($"--lookup: '{text}' is not a valid domain name (or too long to put a label in front)");
        }
        return text;
    }

    /// <summary>One soak: the servers, the clients, the reporter, and the counts they share.</summary>
    private sealed class SoakRun(NetworkStack stack, SoakOptions options, TextWriter output)
    {
        private readonly Dictionary<string, long> _counts = [];
        private readonly HashSet<Task> _connections = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _lookups;

        public async Task<int> RunAsync(CancellationToken stop)
        {
            stack.DhcpEventOccurred += (_, e) => Count($"dhcp_{e.GetType().Name[4..].ToLowerInvariant()}");
            using CancellationTokenSource connectionsStop = new();
            TcpStreamListener echo = stack.ListenTcp(EchoPort);
            TcpStreamListener source = stack.ListenTcp(SourcePort);
            TcpStreamListener sink = stack.ListenTcp(SinkPort);
            UdpChannel udp = stack.OpenUdp(EchoPort);
            output.WriteLine($"usrnet: soak on {stack.Address}: TCP and UDP echo on {EchoPort}, source on {SourcePort}, sink on {SinkPort}"
                + (options.Connect is { } c ? $", connecting to {c} every {options.ConnectEvery.TotalSeconds} s" : "")
                + (options.Lookup is { } l ? $", looking up s*.{l} every {options.LookupEvery.TotalSeconds} s" : "")
                + $"; a line every {options.Interval.TotalSeconds} s");
            output.Flush();
            Task[] loops =
            [
                AcceptAsync(echo, "echo", EchoAsync, stop, connectionsStop.Token),
                AcceptAsync(source, "source", SourceAsync, stop, connectionsStop.Token),
                AcceptAsync(sink, "sink", SinkAsync, stop, connectionsStop.Token),
                UdpEchoAsync(udp, stop),
                options.Connect is { } remote ? EveryAsync(options.ConnectEvery, () => ShortConnectionAsync(remote, stop), stop) : Task.CompletedTask,
                options.Lookup is { } domain ? EveryAsync(options.LookupEvery, () => LookupAsync(domain, stop), stop) : Task.CompletedTask,
            ];
            await ReportAsync(stop).ConfigureAwait(false);
            output.WriteLine($"usrnet: soak: stopping; {OpenConnections()} connections and lookups in progress are closed");
            output.Flush();
            // The way out, as any program's: stop listening, close every connection (FIN after what was
            // queued), then dispose the stack, which releases the lease.
            echo.Dispose();
            source.Dispose();
            sink.Dispose();
            udp.Dispose();
            await Task.WhenAll(loops).ConfigureAwait(false);
            await connectionsStop.CancelAsync().ConfigureAwait(false);
            Task[] open;
            lock (_connections)
            {
                open = [.. _connections];
            }
            await Task.WhenAll(open).WaitAsync(s_closeGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Report(final: true);
            output.WriteLine("usrnet: soak: stopped; the stack closes down");
            output.Flush();
            return 0;
        }

        private int OpenConnections()
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }

        private void Count(string name, long by = 1)
        {
            lock (_counts)
            {
                _counts[name] = _counts.GetValueOrDefault(name) + by;
            }
        }

        /// <summary>The name of a failure for the counts: the socket error, else the exception's type.</summary>
        private static string Failure(Exception e) => e switch
        {
            SocketException s => s.SocketErrorCode.ToString().ToLowerInvariant(),
            OperationCanceledException or TimeoutException => "timedout",
            _ => e.GetType().Name.ToLowerInvariant(),
        };

        private async Task ReportAsync(CancellationToken stop)
        {
            using PeriodicTimer timer = new(options.Interval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
                {
                    Report(final: false);
                }
            }
            catch (OperationCanceledException)
            {
                // SIGINT or SIGTERM: the way out
            }
        }

        /// <summary>Accepts until <paramref name="stop"/>; each connection is served until <paramref name="close"/>.</summary>
        private async Task AcceptAsync(TcpStreamListener listener, string kind, Func<TcpStream, CancellationToken, Task> serve, CancellationToken stop, CancellationToken close)
        {
            while (!stop.IsCancellationRequested)
            {
                TcpStream stream;
                try
                {
                    stream = await listener.AcceptAsync(stop).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return; // stopping: the listener is disposed
                }
                Count($"{kind}_accepted");
                Track(ServeAsync(stream, kind, serve, close));
            }
        }

        private async Task ServeAsync(TcpStream stream, string kind, Func<TcpStream, CancellationToken, Task> serve, CancellationToken close)
        {
            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    await serve(stream, close).ConfigureAwait(false);
                    Count($"{kind}_completed");
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or ObjectDisposedException)
                {
                    Count(close.IsCancellationRequested ? $"{kind}_closed_at_exit" : $"{kind}_{Failure(e)}");
                }
            }
        }

        private void Track(Task connection)
        {
            lock (_connections)
            {
                _connections.Add(connection);
            }
            _ = connection.ContinueWith(done =>
            {
                lock (_connections)
                {
                    _connections.Remove(done);
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        /// <summary>RFC 862: everything back until the peer half-closes, then our FIN.</summary>
        private async Task EchoAsync(TcpStream stream, CancellationToken stop)
        {
            byte[] buffer = new byte[ChunkSize];
            int read;
            while ((read = await stream.ReadAsync(buffer, stop).ConfigureAwait(false)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), stop).ConfigureAwait(false);
                Count("echo_bytes", read);
            }
            stream.ShutdownWrite();
        }

        /// <summary>Sends until the peer half-closes (its FIN: the read side ends), then half-closes too.</summary>
        private async Task SourceAsync(TcpStream stream, CancellationToken stop)
        {
            using CancellationTokenSource peerClosed = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Task reading = ReadUntilEndAsync(stream, peerClosed, stop);
            byte[] buffer = new byte[ChunkSize];
            try
            {
                while (true)
                {
                    await stream.WriteAsync(buffer, peerClosed.Token).ConfigureAwait(false);
                    Count("source_bytes", buffer.Length);
                }
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // the peer's FIN: done sending
            }
            await reading.ConfigureAwait(false);
            stream.ShutdownWrite();
        }

        /// <summary>Reads and discards until the end of the stream, then cancels <paramref name="ended"/>.</summary>
        private static async Task ReadUntilEndAsync(TcpStream stream, CancellationTokenSource ended, CancellationToken stop)
        {
            byte[] buffer = new byte[ChunkSize];
            while (await stream.ReadAsync(buffer, stop).ConfigureAwait(false) > 0)
            {
            }
            await ended.CancelAsync().ConfigureAwait(false);
        }

        /// <summary>Reads until the peer half-closes, then closes.</summary>
        private async Task SinkAsync(TcpStream stream, CancellationToken stop)
        {
            byte[] buffer = new byte[ChunkSize];
            int read;
            while ((read = await stream.ReadAsync(buffer, stop).ConfigureAwait(false)) > 0)
            {
                Count("sink_bytes", read);
            }
            stream.ShutdownWrite();
        }

        private async Task UdpEchoAsync(UdpChannel udp, CancellationToken stop)
        {
            byte[] buffer = new byte[ushort.MaxValue];
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    ReceivedDatagram datagram = await udp.ReceiveAsync(buffer, stop).ConfigureAwait(false);
                    if (datagram.RemoteEndpoint.Port == 0)
                    {
                        Count("udp_source_port_0"); // RFC 768: no reply is expected, and none can be addressed
                        continue;
                    }
                    await udp.SendAsync(buffer.AsMemory(0, datagram.Length), datagram.RemoteEndpoint, stop).ConfigureAwait(false);
                    Count("udp_echoed");
                }
                catch (SocketException e) when (e.SocketErrorCode != SocketError.OperationAborted)
                {
                    Count($"udp_{Failure(e)}"); // an ICMP error for an earlier reply
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return; // stopping: the channel is disposed
                }
            }
        }

        /// <summary>Starts <paramref name="attempt"/> every <paramref name="period"/>, without waiting for the previous one.</summary>
        private async Task EveryAsync(TimeSpan period, Func<Task> attempt, CancellationToken stop)
        {
            using PeriodicTimer timer = new(period);
            try
            {
                while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
                {
                    Track(attempt());
                }
            }
            catch (OperationCanceledException)
            {
                // stopping
            }
        }

        /// <summary>Connect, send, half-close, check that the same bytes come back, close.</summary>
        private async Task ShortConnectionAsync(Ipv4Endpoint remote, CancellationToken stop)
        {
            using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(s_attemptTimeout);
            try
            {
                TcpStream stream = await stack.ConnectAsync(remote, timeout.Token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    byte[] message = new byte[ShortMessageSize];
                    Random.Shared.NextBytes(message);
                    await stream.WriteAsync(message, timeout.Token).ConfigureAwait(false);
                    stream.ShutdownWrite();
                    byte[] echo = new byte[ShortMessageSize + 1];
                    int received = 0, read;
                    while (received < echo.Length && (read = await stream.ReadAsync(echo.AsMemory(received), timeout.Token).ConfigureAwait(false)) > 0)
                    {
                        received += read;
                    }
                    Count(echo.AsSpan(0, received).SequenceEqual(message) ? "connect_ok" : "connect_wrong_echo");
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                if (!stop.IsCancellationRequested)
                {
                    Count($"connect_{Failure(e)}");
                }
            }
        }

        private async Task LookupAsync(string domain, CancellationToken stop)
        {
            string name = $"s{Interlocked.Increment(ref _lookups)}.{domain}";
            try
            {
                IReadOnlyList<Ipv4Address> addresses = await stack.ResolveAsync(name, stop).WaitAsync(s_attemptTimeout, stop).ConfigureAwait(false);
                Count(addresses.Count > 0 ? "dns_ok" : "dns_nodata");
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or TimeoutException or ObjectDisposedException)
            {
                if (!stop.IsCancellationRequested)
                {
                    Count($"dns_{Failure(e)}");
                }
            }
        }

        /// <summary>One JSON line: time, process memory and handles, the stack's sockets, the counts, the interface's counters.</summary>
        private void Report(bool final)
        {
            ProcessFigures process = ProcessFigures.Read();
            (string? address, int sockets, int arp, KeyValuePair<string, long>[] counters) = stack.IsStopping
                ? (null, 0, 0, [])
                : stack.Inspect(iface => (iface.Address?.ToString(), iface.Sockets.Count, iface.ArpCache.Count, iface.Counters.All().Append(new("TotalDropped", iface.Counters.TotalDropped)).ToArray()));
            KeyValuePair<string, long>[] counts;
            lock (_counts)
            {
                counts = [.. _counts.OrderBy(c => c.Key, StringComparer.Ordinal)];
            }
            int open = OpenConnections();
            using MemoryStream json = new();
            using (Utf8JsonWriter writer = new(json))
            {
                writer.WriteStartObject();
                writer.WriteNumber("t", Math.Round(_clock.Elapsed.TotalSeconds, 1));
                writer.WriteBoolean("final", final);
                writer.WriteString("address", address);
                process.WriteTo(writer);
                writer.WriteNumber("stack_sockets", sockets);
                writer.WriteNumber("arp_entries", arp);
                writer.WriteNumber("connections_open", open);
                WriteCounters(writer, "soak", counts);
                WriteCounters(writer, "interface", counters);
                writer.WriteEndObject();
            }
            output.WriteLine(System.Text.Encoding.UTF8.GetString(json.ToArray()));
            output.Flush();
        }

        private static void WriteCounters(Utf8JsonWriter writer, string name, IEnumerable<KeyValuePair<string, long>> counters)
        {
            writer.WriteStartObject(name);
            foreach ((string key, long value) in counters)
            {
                writer.WriteNumber(key, value);
            }
            writer.WriteEndObject();
        }
    }

    /// <summary>
    /// The process's memory and handles: RSS and its peak (<c>/proc/self/status</c>), the GC heap just
    /// after a full blocking collection (so a leak of objects shows as growth, not as garbage not yet
    /// collected), bytes allocated so far, open fds (<c>/proc/self/fd</c>) and threads.
    /// </summary>
    private sealed record ProcessFigures(long RssKiB, long PeakRssKiB, long Threads, long Fds, long GcHeapBytes, long GcCommittedBytes, long AllocatedBytes, int Gen2Collections)
    {
        public static ProcessFigures Read()
        {
            long heap = GC.GetTotalMemory(forceFullCollection: true);
            GCMemoryInfo info = GC.GetGCMemoryInfo();
            Dictionary<string, long> status = File.ReadLines("/proc/self/status")
                .Select(line => line.Split(':', 2))
                .Where(parts => parts.Length == 2 && parts[0] is "VmRSS" or "VmHWM" or "Threads")
                .ToDictionary(parts => parts[0], parts => long.Parse(parts[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
            // The enumeration holds one fd of its own on /proc/self/fd: not counted.
            long fds = Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() - 1;
            return new ProcessFigures(status["VmRSS"], status["VmHWM"], status["Threads"], fds, heap, info.TotalCommittedBytes,
                GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(2));
        }

        public void WriteTo(Utf8JsonWriter writer)
        {
            writer.WriteNumber("rss_kib", RssKiB);
            writer.WriteNumber("peak_rss_kib", PeakRssKiB);
            writer.WriteNumber("gc_heap_bytes", GcHeapBytes);
            writer.WriteNumber("gc_committed_bytes", GcCommittedBytes);
            writer.WriteNumber("allocated_bytes", AllocatedBytes);
            writer.WriteNumber("gen2_collections", Gen2Collections);
            writer.WriteNumber("fds", Fds);
            writer.WriteNumber("threads", Threads);
        }
    }
}
