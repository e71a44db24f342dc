using BenchmarkDotNet.Attributes;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Benchmarks;

/// <summary>
/// One full-sized TCP segment through two stacks in this process (as <c>usrnet bench in-process</c>):
/// each operation sends one MSS on an established connection, polls both interfaces so the segment is
/// written, carried over the in-memory link, received and acknowledged, and the reader drains it.
/// </summary>
[MemoryDiagnoser]
public class TcpSegmentBenchmarks
{
    /// <summary>The MSS over a 1500-byte MTU with timestamps: 1500 - 20 (IPv4) - 20 (TCP) - 12 (RFC 7323 option).</summary>
    private const int SegmentPayload = 1448;

    private const ushort Port = 1235;

    private readonly byte[] _payload = new byte[SegmentPayload];
    private readonly byte[] _sink = new byte[1 << 16];
    private Interface? _a;
    private Interface? _b;
    private TcpListenSocket? _listener;
    private TcpSocket? _sender;
    private TcpSocket? _receiver;

    /// <summary>Two interfaces over a memory link and an established connection from A to B.</summary>
    [GlobalSetup]
    public void Setup()
    {
        MemoryLink.CreatePair(out IDevice deviceA, out IDevice deviceB);
        _a = new Interface(deviceA, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01"), Address = Ipv4Cidr.Parse("192.0.2.1/24") });
        _b = new Interface(deviceB, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = Ipv4Cidr.Parse("192.0.2.2/24") });
        _listener = _b.Sockets.CreateTcpListenSocket();
        _listener.Listen(Port, backlog: 1);
        _sender = _a.Sockets.CreateTcpSocket();
        _sender.Connect(Instant.Now, new Ipv4Endpoint(Ipv4Address.Parse("192.0.2.2"), Port));
        TcpSocket? receiver = null;
        for (int polls = 0; receiver is null; polls++)
        {
            if (polls == 1000)
            {
                throw new InvalidOperationException("the connection over the memory link was not accepted");
            }
            Instant now = Instant.Now;
            _a.Poll(now);
            _b.Poll(now);
            _listener.TryAccept(out receiver);
        }
        _receiver = receiver;
    }

    /// <summary>Sends one MSS, polls both sides, and drains what arrived.</summary>
    [Benchmark]
    public int OneSegmentInAndOut()
    {
        int sent = _sender!.Send(_payload);
        Instant now = Instant.Now;
        _a!.Poll(now);
        _b!.Poll(now);
        int received = 0;
        int r;
        while ((r = _receiver!.Receive(_sink)) > 0)
        {
            received += r;
        }
        return sent + received;
    }

    /// <summary>Closes the sockets and interfaces.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _receiver?.Dispose();
        _sender?.Dispose();
        _listener?.Dispose();
        _b?.Dispose();
        _a?.Dispose();
    }
}
