using BenchmarkDotNet.Attributes;
using Usrnet.Wire;

namespace Usrnet.Benchmarks;

/// <summary>
/// Parsing and writing the headers of a data segment: a pure ACK whose only option is timestamps
/// (NOP, NOP, TS: RFC 7323 Appendix A's layout, what Linux sends on an established connection), and its
/// IPv4 header. Parsing TCP includes verifying its checksum over the pseudo-header.
/// </summary>
[MemoryDiagnoser]
public class HeaderBenchmarks
{
    private static readonly Ipv4Address Source = new(192, 0, 2, 1);
    private static readonly Ipv4Address Destination = new(192, 0, 2, 2);

    private static readonly TcpHeader Ack = new(40000, 80, new TcpSeqNumber(0xDEADBEF0), new TcpSeqNumber(1001), TcpFlags.Ack, 502)
    {
        Options = new TcpOptions { Timestamps = (3000000100, 77) },
    };

    private static readonly Ipv4Header Ip = new(Source, Destination, IpProtocol.Tcp, 32) { Identification = 1, DontFragment = true };

    private readonly byte[] _segment = new byte[Ack.Length];
    private readonly byte[] _packet = new byte[Ipv4Header.Length + Ack.Length];
    private readonly byte[] _scratch = new byte[Ipv4Header.Length + Ack.Length];

    /// <summary>Writes the segment and packet that the parse benchmarks read.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Ack.WriteTo(_segment, Source, Destination);
        Ip.WriteTo(_packet);
        _segment.CopyTo(_packet, Ipv4Header.Length);
    }

    /// <summary>Parses the TCP header, checksum and options included.</summary>
    [Benchmark]
    public bool TcpHeaderTryParse() => TcpHeader.TryParse(_segment, Source, Destination, out _, out _);

    /// <summary>Writes the TCP header and its checksum.</summary>
    [Benchmark]
    public void TcpHeaderWriteTo() => Ack.WriteTo(_scratch.AsSpan(0, Ack.Length), Source, Destination);

    /// <summary>Parses the IPv4 header, its checksum included.</summary>
    [Benchmark]
    public bool Ipv4HeaderTryParse() => Ipv4Header.TryParse(_packet, out _, out _);

    /// <summary>Writes the IPv4 header and its checksum.</summary>
    [Benchmark]
    public void Ipv4HeaderWriteTo() => Ip.WriteTo(_scratch);

    /// <summary>Parses NOP, NOP, timestamps.</summary>
    [Benchmark]
    public bool TcpOptionsTryParse() => TcpOptions.TryParse(_segment.AsSpan(TcpSegment.MinHeaderLength), out _);
}
