using System.Collections.Concurrent;
using System.CommandLine;
using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet tcp-cat ADDR PORT</c>: like <c>nc -N</c>: stdin to the peer, a half-close at end of input,
/// the peer to stdout until it closes. Exit 0 on a clean close; 1 with one line when the connection is
/// refused, reset or timed out.
/// </summary>
internal static class TcpCatCommand
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxChunksQueued = 16; // stdin is read at most 1 MiB ahead of the network

    public static Command Create()
    {
        StackOptions stack = new();
        Argument<string> address = new("ADDR") { Description = "IPv4 address of the peer" };
        Argument<int> port = new("PORT") { Description = "TCP port of the peer" };
        Command command = new("tcp-cat", "Connect to a TCP peer: stdin to it (half-close at end of input), its data to stdout, like nc -N") { address, port };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            Ipv4Address target = CommandLineValues.Destination(parse.GetValue(address), settings.Address);
            ushort p = CommandLineValues.Port(parse.GetValue(port));
            using StackHost host = StackHost.Start(settings);
            using Stream stdin = Console.OpenStandardInput();
            using Stream stdout = Console.OpenStandardOutput();
            return Run(host, new Ipv4Endpoint(target, p), stdin, stdout);
        });
        return command;
    }

    internal static int Run(StackHost host, Ipv4Endpoint remote, Stream input, Stream output)
    {
        TcpSocket socket = host.Interface.Sockets.CreateTcpSocket();
        socket.Connect(host.Now, remote);
        using BlockingCollection<ArraySegment<byte>> chunks = new(MaxChunksQueued);
        Thread reader = new(() =>
        {
            try
            {
                while (true)
                {
                    byte[] chunk = new byte[ChunkSize];
                    int n = input.Read(chunk);
                    chunks.Add(new ArraySegment<byte>(chunk, 0, n)); // a zero-length chunk marks end of input
                    host.Wake();
                    if (n == 0)
                    {
                        return;
                    }
                }
            }
            catch (InvalidOperationException)
            {
                // the collection was completed: we are exiting
            }
        })
        { IsBackground = true, Name = "tcp-cat stdin" };

        byte[] buffer = new byte[ChunkSize];
        ArraySegment<byte> pending = default;
        bool inputDone = false, started = false;
        try
        {
            while (!host.IsStopping)
            {
                if (socket.State == TcpState.Closed)
                {
                    if (socket.TryTakeError(out SocketError error))
                    {
                        throw new CliError($"{remote}: {Describe(error)}");
                    }
                    break;
                }
                if (!started && socket.State is TcpState.Established or TcpState.CloseWait)
                {
                    reader.Start();
                    started = true;
                }
                // Peer to stdout.
                int n;
                while ((n = socket.Receive(buffer)) > 0)
                {
                    output.Write(buffer, 0, n);
                }
                output.Flush();
                // Stdin to peer, as far as the send buffer takes it.
                while (started && !inputDone && socket.IsSendOpen)
                {
                    if (pending.Count == 0 && !chunks.TryTake(out pending))
                    {
                        break;
                    }
                    if (pending.Count == 0)
                    {
                        inputDone = true;
                        socket.Shutdown(); // nc -N: half-close at end of input
                        break;
                    }
                    int sent = socket.Send(pending);
                    pending = pending.Slice(sent);
                    if (sent == 0)
                    {
                        break;
                    }
                }
                // Done when both sides have closed: the peer's FIN read, ours acknowledged (RFC 9293 §3.6).
                if (socket.IsReceiveComplete && inputDone && socket.State is TcpState.TimeWait or TcpState.Closed)
                {
                    break;
                }
                host.PollUntil(null);
            }
        }
        catch (SocketException e)
        {
            throw new CliError($"{remote}: {Describe(e.SocketErrorCode)}");
        }
        finally
        {
            chunks.CompleteAdding();
            socket.Dispose();
        }
        return 0;
    }

    internal static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.TimedOut => "connection timed out",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network is unreachable",
        _ => error.ToString(),
    };
}
