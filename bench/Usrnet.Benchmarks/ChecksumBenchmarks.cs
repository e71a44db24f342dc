using BenchmarkDotNet.Attributes;
using Usrnet.Wire;

namespace Usrnet.Benchmarks;

/// <summary>
/// The Internet checksum by length: an IPv4 header (20), a small frame (64), the IPv4 minimum datagram
/// every host accepts (576, RFC 791), an Ethernet MTU (1500), a jumbo frame (9000) and the largest IPv4
/// datagram (65535). The data starts at offset 34, where a TCP header sits in an Ethernet frame.
/// </summary>
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    /// <summary>Ethernet (14) and IPv4 (20) headers in front of the transport header.</summary>
    private const int TransportOffset = EthernetHeader.Length + Ipv4Header.Length;

    private byte[] _frame = [];

    /// <summary>Bytes summed.</summary>
    [Params(20, 64, 576, 1500, 9000, 65535)]
    public int Length { get; set; }

    /// <summary>Random data, the same on every run.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _frame = new byte[TransportOffset + Length];
        new Random(1071).NextBytes(_frame);
    }

    /// <summary>The scalar loop the stack had before.</summary>
    [Benchmark(Baseline = true)]
    public uint Scalar() => ScalarChecksum.Accumulate(0, _frame.AsSpan(TransportOffset));

    /// <summary>The stack's checksum.</summary>
    [Benchmark]
    public uint Vector() => Checksum.Accumulate(0, _frame.AsSpan(TransportOffset));
}
