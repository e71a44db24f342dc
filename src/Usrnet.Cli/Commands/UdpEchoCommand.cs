using System.CommandLine;
using System.Net.Sockets;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary><c>usrnet udp-echo PORT</c>: sends every datagram back to its sender until interrupted.</summary>
internal static class UdpEchoCommand
{
    public static Command Create()
    {
        StackOptions stack = new();
        Argument<int> port = new("PORT") { Description = "UDP port to serve" };
        Command command = new("udp-echo", "Echo every UDP datagram on PORT back to its sender (RFC 862), until interrupted") { port };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            ushort p = CommandLineValues.Port(parse.GetValue(port));
            using StackHost host = StackHost.Start(settings);
            return Run(host, settings, p, Console.Out);
        });
        return command;
    }

    internal static int Run(StackHost host, StackSettings settings, ushort port, TextWriter output)
    {
        using UdpSocket socket = host.Interface.Sockets.CreateUdpSocket();
        try
        {
            socket.Bind(port);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new CliError($"port {port} is already in use");
        }
        output.WriteLine($"{Readiness.Listening(settings.Address.Address, port, "udp")}, echo (RFC 862); Ctrl-C to stop");
        output.Flush();
        byte[] buffer = new byte[UdpHeader.MaxPayloadLength];
        long datagrams = 0, bytes = 0, unanswerable = 0;
        while (!host.IsStopping)
        {
            // Echo only while the send queue has room; what stays unread waits in the receive queue.
            while (socket.TryReceiveFrom(buffer, out int length, out Ipv4Endpoint remote))
            {
                if (remote.Port == 0)
                {
                    unanswerable++; // RFC 768: source port 0 means no reply is expected, and none can be sent
                    continue;
                }
                while (!socket.TrySendTo(buffer.AsSpan(0, length), remote) && !host.IsStopping)
                {
                    host.PollUntil(host.Now);
                }
                datagrams++;
                bytes += length;
            }
            socket.TryTakeError(out _); // a peer that went away (port unreachable) is not our error
            host.PollUntil(null);
        }
        output.WriteLine($"usrnet: echoed {datagrams} datagrams, {bytes} bytes");
        if (unanswerable > 0)
        {
            output.WriteLine($"usrnet: {unanswerable} datagrams from source port 0 not answered");
        }
        UpCommand.PrintCounters(host.Interface.Counters, output);
        return 0;
    }
}
