using Usrnet.Async;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Tests.Async;

/// <summary>
/// Two <see cref="NetworkStack"/>s, each on its own loop thread, joined by an in-memory link (optionally
/// through a fault injector on A's side): 10.0.0.1 (A) and 10.0.0.2 (B), real time.
/// </summary>
internal sealed class AsyncStackPair : IAsyncDisposable
{
    public static readonly Ipv4Address AddressA = Ipv4Address.Parse("10.0.0.1");
    public static readonly Ipv4Address AddressB = Ipv4Address.Parse("10.0.0.2");

    private AsyncStackPair(NetworkStack a, NetworkStack b, FaultInjectorDevice? faults)
    {
        A = a;
        B = b;
        Faults = faults;
    }

    public NetworkStack A { get; }

    public NetworkStack B { get; }

    public FaultInjectorDevice? Faults { get; }

    public static AsyncStackPair Create(FaultOptions? faults = null, Sockets.Tcp.TcpSocketOptions? tcp = null, Func<NetworkStackOptions, NetworkStackOptions>? configureA = null)
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        FaultInjectorDevice? injector = faults is null ? null : new FaultInjectorDevice(a, faults);
        tcp ??= Sockets.Tcp.TcpSocketOptions.Default;
        NetworkStackOptions optionsA = new()
        {
            Interface = new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01"), Address = new Ipv4Cidr(AddressA, 24) },
            Tcp = tcp,
        };
        NetworkStack stackA = NetworkStack.Start(injector ?? a, configureA?.Invoke(optionsA) ?? optionsA);
        NetworkStack stackB = NetworkStack.Start(b, new NetworkStackOptions
        {
            Interface = new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = new Ipv4Cidr(AddressB, 24) },
            Tcp = tcp,
        });
        return new AsyncStackPair(stackA, stackB, injector);
    }

    /// <summary>A connected pair: a client stream on A and the server stream B accepted, on <paramref name="port"/>.</summary>
    public async Task<(TcpStream Client, TcpStream Server)> ConnectAsync(ushort port = 5000)
    {
        await using TcpStreamListener listener = B.ListenTcp(port);
        ValueTask<TcpStream> accepted = listener.AcceptAsync();
        TcpStream client = await A.ConnectAsync(new Ipv4Endpoint(AddressB, port));
        TcpStream server = await accepted;
        return (client, server);
    }

    /// <summary>
    /// What each stack's TCP is doing, for a test that stalls: sockets by state, each listener's queues and
    /// SYN counters, and the interface's drops.
    /// </summary>
    public string Describe() => $"A: {Describe(A)}; B: {Describe(B)}";

    private static string Describe(NetworkStack stack) => stack.Inspect(iface =>
    {
        string states = string.Join(", ", iface.Sockets.Tcp.GroupBy(s => s.State).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
        string listeners = string.Join(", ", iface.Sockets.TcpListeners.Select(l =>
            $"listener {l.LocalEndpoint}: pending {l.PendingCount}, half-open {l.HalfOpenCount}, SYNs dropped {l.SynsDropped}, cookies sent {l.SynCookiesSent} accepted {l.SynCookiesAccepted}"));
        InterfaceCounters c = iface.Counters;
        return $"tcp [{states}] {listeners}; frames in {c.FramesReceived} out {c.FramesSent}, dropped {c.TotalDropped} (queue full {c.DroppedQueueFull}, no socket {c.DroppedNoSocket})";
    });

    public async ValueTask DisposeAsync()
    {
        // Both at once, as two exiting processes: connections left open close with FINs both ways at
        // once rather than one side lingering for a peer that is not closing.
        await Task.WhenAll(A.DisposeAsync().AsTask(), B.DisposeAsync().AsTask());
    }
}
