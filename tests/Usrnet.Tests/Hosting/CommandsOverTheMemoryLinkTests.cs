using System.Text;
using Usrnet.Async;
using Usrnet.Cli;
using Usrnet.Cli.Commands;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Dhcp;
using Usrnet.Tests.Async;
using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;

namespace Usrnet.Tests.Hosting;

/// <summary>
/// Commands of the <c>usrnet</c> tool run as they do on a TAP, through <see cref="StackHost"/> and its
/// <see cref="Usrnet.Hosting.InterfaceRunner"/>, but over the in-memory link against a second stack in the
/// test: what could only run in the lab before.
/// </summary>
public sealed class CommandsOverTheMemoryLinkTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private static readonly Ipv4Address EchoAddress = new(10, 0, 0, 1);
    private static readonly Ipv4Address PeerAddress = new(10, 0, 0, 2);

    [Fact]
    public async Task TcpEchoEchoesAConnectionAndPrintsItsLinesOnVirtualTime()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        ManualClock clock = new();
        StackSettings settings = Settings("02:00:00:00:00:01", new Ipv4Cidr(EchoAddress, 24));
        StringBuilder lines = new();
        using StringWriter text = new(lines);
        TextWriter output = TextWriter.Synchronized(text);
        StackHost host = StackHost.Over(a, settings, clock);
        Task<int> command = Task.Factory.StartNew(() =>
        {
            using (host)
            {
                return TcpEchoCommand.Run(host, settings, 7, backlog: 8, quiet: false, output);
            }
        }, TaskCreationOptions.LongRunning);
        await using NetworkStack peer = NetworkStack.Start(b, new NetworkStackOptions
        {
            Interface = new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = new Ipv4Cidr(PeerAddress, 24) },
            TimeProvider = clock,
        });
        await WaitForAsync(output, lines, clock, "listening");

        byte[] sent = Encoding.ASCII.GetBytes("hello through the runner");
        await using (TcpStream stream = await peer.ConnectAsync(new Ipv4Endpoint(EchoAddress, 7)).WaitAsync(Limit))
        {
            await stream.WriteAsync(sent).AsTask().WaitAsync(Limit);
            byte[] back = new byte[sent.Length];
            await stream.ReadExactlyAsync(back).AsTask().WaitAsync(Limit);
            Assert.Equal(sent, back);
            stream.ShutdownWrite();
            Assert.Equal(0, await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(Limit));
        }
        await WaitForAsync(output, lines, clock, "closed ");
        host.Stop();
        while (!command.IsCompleted)
        {
            // The exit's linger and the last resets run on the same virtual clock.
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(command, Task.Delay(1));
        }
        Assert.Equal(0, await command);

        string[] printed = Read(output, lines).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"{Readiness.Listening(EchoAddress, 7, "tcp")}, echo (RFC 862); Ctrl-C to stop", printed[0]);
        Assert.StartsWith($"accepted {PeerAddress}:", printed[1], StringComparison.Ordinal);
        Assert.Matches($@"^closed {PeerAddress}:\d+ after {sent.Length} bytes \(retransmissions 0, timeouts 0, fast retransmits 0\)$", printed[2]);
        Assert.Equal($"usrnet: 1 connections, {sent.Length} bytes echoed", printed[3]);
    }

    [Fact]
    public async Task DhcpThroughTheStackAndThroughTheCommandLeavesTheSameInterfaceAfterTheRelease()
    {
        (Ipv4Cidr? Address, Ipv4Address? Gateway, IReadOnlyList<Ipv4Address> Servers, IReadOnlyList<DhcpMessageType> Seen) stack =
            await LeaseAndReleaseAsync(async (device, options) =>
            {
                NetworkStack client = NetworkStack.Start(device, new NetworkStackOptions
                {
                    Interface = new InterfaceOptions { HardwareAddress = ClientMac },
                    Dhcp = options,
                });
                Assert.Equal(new Ipv4Cidr(Leased, 24), await client.WaitForAddressAsync().WaitAsync(Limit));
                Assert.Equal(Server, client.Gateway);
                await client.DisposeAsync();
                return (client.Address, client.Gateway, client.DnsServers);
            });
        (Ipv4Cidr? Address, Ipv4Address? Gateway, IReadOnlyList<Ipv4Address> Servers, IReadOnlyList<DhcpMessageType> Seen) cli =
            await LeaseAndReleaseAsync(async (device, options) =>
            {
                StackHost host = StackHost.Over(device, Settings(ClientMac.ToString(), new Ipv4Cidr(Leased, 24)), TimeProvider.System, withAddress: false);
                using StringWriter output = new();
                await Task.Factory.StartNew(() => DhcpCommand.Run(host, options, Limit, output), TaskCreationOptions.LongRunning).WaitAsync(Limit);
                Assert.Contains($"released {Leased}", output.ToString(), StringComparison.Ordinal);
                var after = (host.Interface.Address, host.Interface.Gateway, host.Runner.Resolver.Servers);
                host.Dispose();
                return after;
            });

        Assert.Equal([DhcpMessageType.Discover, DhcpMessageType.Request, DhcpMessageType.Release], stack.Seen);
        Assert.Equal(stack.Seen, cli.Seen);
        Assert.Null(stack.Address);
        Assert.Null(stack.Gateway);
        Assert.Empty(stack.Servers);
        Assert.Equal((stack.Address, stack.Gateway), (cli.Address, cli.Gateway));
        Assert.Equal(stack.Servers, cli.Servers);
    }

    /// <summary>Runs <paramref name="client"/> against a DHCP server on a second stack; returns what it saw after the release, and the server's messages.</summary>
    private static async Task<(Ipv4Cidr?, Ipv4Address?, IReadOnlyList<Ipv4Address>, IReadOnlyList<DhcpMessageType>)> LeaseAndReleaseAsync(
        Func<IDevice, DhcpClientOptions, Task<(Ipv4Cidr?, Ipv4Address?, IReadOnlyList<Ipv4Address>)>> client)
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        await using NetworkStack server = NetworkStack.Start(b, new NetworkStackOptions
        {
            Interface = new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = new Ipv4Cidr(Server, 24) },
        });
        List<DhcpMessageType> seen = [];
        using CancellationTokenSource stop = new();
        Task serving = NetworkStackDhcpTests.ServeAsync(server, seen, stop.Token);
        // No RFC 5227 probe: it takes seconds of real time; the DHCP tests cover it on virtual time.
        var after = await client(a, new DhcpClientOptions { ProbeCount = 0, AnnounceWait = TimeSpan.Zero });
        DateTime deadline = DateTime.UtcNow + Limit;
        while (!Seen(seen).Contains(DhcpMessageType.Release) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        await stop.CancelAsync();
        await serving.WaitAsync(Limit);
        return (after.Item1, after.Item2, after.Item3, Seen(seen));
    }

    private static List<DhcpMessageType> Seen(List<DhcpMessageType> seen)
    {
        lock (seen)
        {
            return [.. seen];
        }
    }

    private static StackSettings Settings(string mac, Ipv4Cidr address) =>
        new("memory", EthernetAddress.Parse(mac), address, Gateway: null, PcapPath: null, FaultSettings.None);

    /// <summary>What the command printed so far (its writer locks itself, so reading under that lock sees whole lines).</summary>
    private static string Read(TextWriter output, StringBuilder lines)
    {
        lock (output)
        {
            return lines.ToString();
        }
    }

    /// <summary>Moves virtual time on in small steps until the command has printed <paramref name="text"/>.</summary>
    private static async Task WaitForAsync(TextWriter output, StringBuilder lines, ManualClock clock, string text)
    {
        DateTime deadline = DateTime.UtcNow + Limit;
        while (!Read(output, lines).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the command did not print '{text}'; it printed:\n{Read(output, lines)}");
            clock.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(1);
        }
    }
}
