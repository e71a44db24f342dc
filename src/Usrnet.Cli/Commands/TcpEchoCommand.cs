using System.CommandLine;
using System.Net.Sockets;
using Usrnet.Sockets.Tcp;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet tcp-echo PORT</c>: a TCP echo server (RFC 862) serving many connections at once until
/// interrupted. Each connection is echoed until the peer half-closes, then closed after the last byte.
/// </summary>
internal static class TcpEchoCommand
{
    public static Command Create()
    {
        StackOptions stack = new();
        Argument<int> port = new("PORT") { Description = "TCP port to serve" };
        Option<int> backlog = new("--backlog") { Description = "connections waiting to be accepted (default 128)", HelpName = "N", DefaultValueFactory = _ => 128 };
        Option<bool> quiet = new("-q", "--quiet") { Description = "do not print a line per connection" };
        Option<double?> stats = ProcessStats.CreateOption();
        Command command = new("tcp-echo", "Echo every TCP connection on PORT back to its sender (RFC 862), many at once, until interrupted") { port, backlog, quiet, stats };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            ushort p = CommandLineValues.Port(parse.GetValue(port));
            int b = parse.GetValue(backlog);
            if (b < 1)
            {
                throw CliError.Usage($"--backlog must be at least 1");
            }
            TimeSpan? statsInterval = ProcessStats.ReadInterval(parse, stats);
            using StackHost host = StackHost.Start(settings);
            return Run(host, settings, p, b, parse.GetValue(quiet), Console.Out, statsInterval);
        });
        return command;
    }

    internal static int Run(StackHost host, StackSettings settings, ushort port, int backlog, bool quiet, TextWriter output, TimeSpan? statsInterval = null)
    {
        using TcpListenSocket listener = host.Interface.Sockets.CreateTcpListenSocket();
        try
        {
            listener.Listen(port, backlog);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new CliError($"port {port} is already in use");
        }
        output.WriteLine($"{Readiness.Listening(settings.Address.Address, port, "tcp")}, echo (RFC 862); Ctrl-C to stop");
        output.Flush();
        HashSet<TcpSocket> connections = [];
        byte[] buffer = new byte[64 * 1024];
        long accepted = 0, echoed = 0;
        TcpTotals totals = new();
        // Count is read on the timer's thread: an int read, at worst one poll old, which a statistics line allows.
        using IDisposable? statsLines = ProcessStats.Start(statsInterval, () => connections.Count, Console.Error);
        // Readiness: the listener and each connection are their own tokens, and after each poll only those
        // that signalled are visited, so 10,000 idle connections cost nothing per poll.
        listener.Token = listener;
        void Visit(TcpSocket c)
        {
            echoed += Echo(c, buffer);
            if (IsDone(c))
            {
                Finish(c, quiet, output);
                totals.Finished(c);
                connections.Remove(c);
            }
        }
        while (!host.IsStopping)
        {
            while (host.Interface.Sockets.TryTakeReady(out object token))
            {
                if (token == listener)
                {
                    while (listener.TryAccept(out TcpSocket connection))
                    {
                        accepted++;
                        connections.Add(connection);
                        connection.Token = connection; // signals from now on; what came before is echoed now
                        if (!quiet)
                        {
                            output.WriteLine($"accepted {connection.RemoteEndpoint}");
                        }
                        Visit(connection);
                    }
                }
                else if (token is TcpSocket c && connections.Contains(c))
                {
                    Visit(c);
                }
            }
            totals.Sweep();
            output.Flush();
            host.PollUntil(null);
        }
        foreach (TcpSocket c in connections)
        {
            if (!quiet)
            {
                output.WriteLine($"aborting {c} {c.Statistics}");
            }
            c.Abort();
            c.Dispose();
            totals.Finished(c);
        }
        host.PollUntil(host.Now); // send the resets
        output.WriteLine($"usrnet: {accepted} connections, {echoed} bytes echoed");
        totals.Print(output);
        UpCommand.PrintCounters(host.Interface.Counters, output);
        return 0;
    }

    /// <summary>True once the connection is over, or the peer closed and our answering FIN is on its way.</summary>
    private static bool IsDone(TcpSocket c) =>
        c.State == TcpState.Closed || (c.IsReceiveComplete && c.State is TcpState.TimeWait or TcpState.LastAck or TcpState.Closing);

    private static void Finish(TcpSocket c, bool quiet, TextWriter output)
    {
        if (!quiet)
        {
            string how = c.Error is SocketError.Success ? "closed" : $"ended: {c.Error}";
            TcpStatistics st = c.Statistics;
            output.WriteLine($"{how} {c.RemoteEndpoint} after {st.BytesReceived} bytes (retransmissions {st.Retransmissions}, timeouts {st.Timeouts}, fast retransmits {st.FastRetransmits})");
        }
        c.Dispose();
    }

    /// <summary>Moves what arrived to the send buffer, as much as it has room for; closes after the peer did.</summary>
    private static long Echo(TcpSocket c, byte[] buffer)
    {
        long moved = 0;
        while (c.CanReceive && c.IsSendOpen)
        {
            int room = c.Options.SendBufferSize - c.BytesUnacknowledged;
            if (room <= 0)
            {
                break;
            }
            int n;
            try
            {
                n = c.Receive(buffer.AsSpan(0, Math.Min(room, buffer.Length)));
            }
            catch (SocketException)
            {
                break; // reset: noticed by the caller through State and Error
            }
            c.Send(buffer.AsSpan(0, n));
            moved += n;
        }
        if (c.IsReceiveComplete && c.IsSendOpen)
        {
            c.Shutdown(); // the peer half-closed and everything was echoed: close our side too
        }
        return moved;
    }
}
