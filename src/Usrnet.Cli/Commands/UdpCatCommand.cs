using System.Collections.Concurrent;
using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet udp-cat ADDR PORT</c>: each line of stdin becomes one datagram to ADDR:PORT; each datagram
/// that comes back is written to stdout as a line. At end of input it waits up to -w seconds for the
/// replies still due, then exits: 0, or 1 with one line when the peer refused (port unreachable).
/// </summary>
internal static class UdpCatCommand
{
    public static Command Create()
    {
        StackOptions stack = new();
        Argument<string> address = new("ADDR") { Description = "IPv4 address of the peer" };
        Argument<int> port = new("PORT") { Description = "UDP port of the peer" };
        Option<double> wait = new("-w") { Description = "seconds to wait for replies after end of input (default 2)", HelpName = "SECONDS", DefaultValueFactory = _ => 2.0 };
        Command command = new("udp-cat", "Send stdin lines as UDP datagrams and print the replies") { address, port, wait };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            Ipv4Address target = CommandLineValues.Destination(parse.GetValue(address), settings.Address);
            ushort p = CommandLineValues.Port(parse.GetValue(port));
            TimeSpan linger = CommandLineValues.Seconds("-w", parse.GetValue(wait));
            using StackHost host = StackHost.Start(settings);
            return Run(host, new Ipv4Endpoint(target, p), linger, Console.In, Console.Out);
        });
        return command;
    }

    internal static int Run(StackHost host, Ipv4Endpoint remote, TimeSpan linger, TextReader input, TextWriter output)
    {
        using UdpSocket socket = host.Interface.Sockets.CreateUdpSocket();
        socket.Bind(0);
        ConcurrentQueue<string?> lines = new(); // null marks end of input
        Thread reader = new(() =>
        {
            while (input.ReadLine() is { } line)
            {
                lines.Enqueue(line);
                host.Wake();
            }
            lines.Enqueue(null);
            host.Wake();
        })
        { IsBackground = true, Name = "udp-cat stdin" };
        reader.Start();

        byte[] buffer = new byte[UdpHeader.MaxPayloadLength];
        bool endOfInput = false;
        long sent = 0, received = 0;
        Instant? lingerUntil = null;
        while (!host.IsStopping)
        {
            while (!endOfInput && lines.TryPeek(out string? line))
            {
                if (line is null)
                {
                    endOfInput = true;
                    lingerUntil = host.Now + linger;
                    lines.TryDequeue(out _);
                    break;
                }
                if (!socket.TrySendTo(Encoding.UTF8.GetBytes(line), remote))
                {
                    break; // send queue full: poll, then continue
                }
                lines.TryDequeue(out _);
                sent++;
            }
            while (socket.TryReceiveFrom(buffer, out int length, out Ipv4Endpoint from))
            {
                if (from == remote)
                {
                    received++;
                    output.WriteLine(Encoding.UTF8.GetString(buffer, 0, Math.Min(length, buffer.Length)));
                }
            }
            output.Flush();
            if (socket.TryTakeError(out SocketError error))
            {
                throw new CliError($"{remote}: {Describe(error)}");
            }
            if (endOfInput && (received >= sent || host.Now >= lingerUntil))
            {
                break;
            }
            host.PollUntil(lingerUntil);
        }
        return 0;
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused (ICMP port unreachable)",
        SocketError.HostUnreachable => "no route to host (no answer to ARP, or ICMP host unreachable)",
        SocketError.NetworkUnreachable => "network is unreachable",
        _ => error.ToString(),
    };
}
