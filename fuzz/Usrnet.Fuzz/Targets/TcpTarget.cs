using Usrnet.Wire;

namespace Usrnet.Fuzz.Targets;

/// <summary>
/// TCP header and options (RFC 9293 §3.1, §3.2; RFC 7323; RFC 2018): a segment is parsed as it came and
/// with its checksum fixed; an accepted header written again (options in Linux's layout) parses to the
/// same fields and options, less the SACK blocks that do not fit, and the data does not move. The
/// options parser must accept what the writer writes.
/// </summary>
internal sealed class TcpTarget : FuzzTarget
{
    private readonly byte[] _segment = new byte[MaxInputLength];
    private readonly byte[] _written = new byte[MaxInputLength];

    public override string Name => "tcp";

    public override string Description => "TCP header and options: parse as is and checksum-fixed, write, parse again, compare fields";

    public override void Run(ReadOnlySpan<byte> input)
    {
        Ipv4Address source = ChecksumFixer.PeerAddress, destination = ChecksumFixer.StackAddress;
        Span<byte> segment = _segment.AsSpan(0, input.Length);
        input.CopyTo(segment);
        TcpHeader.TryParse(segment, source, destination, out _, out _);
        ChecksumFixer.FixTransport(IpProtocol.Tcp, segment, source, destination);
        if (!TcpSegment.TryCreate(segment, out TcpSegment view))
        {
            return;
        }
        _ = view.SegmentLength;
        bool optionsParse = TcpOptions.TryParse(view.Options, out _);
        bool parsed = TcpHeader.TryParse(segment, source, destination, out TcpHeader header, out int headerLength);
        InvariantViolationException.Check(parsed == optionsParse, "a segment with a fixed checksum and good options was refused");
        if (!parsed)
        {
            return;
        }
        InvariantViolationException.Check(headerLength == view.HeaderLength, "header length");
        TcpOptions options = header.Options;
        int written = header.Length + view.Payload.Length;
        if (written > TcpHeader.MaxSegmentLength)
        {
            return; // Linux's layout can be longer than a packed header: no room in a 64 KiB segment
        }
        Span<byte> output = _written.AsSpan(0, written);
        view.Payload.CopyTo(output[header.Length..]);
        header.WriteTo(output, source, destination);
        InvariantViolationException.Check(TcpHeader.TryParse(output, source, destination, out TcpHeader again, out int againLength),
            "written segment does not parse");
        InvariantViolationException.Check(againLength == header.Length && output[againLength..].SequenceEqual(view.Payload), "data moved");
        TcpOptions back = again.Options;
        InvariantViolationException.Check(again with { Options = default } == header with { Options = default }, "fixed fields differ");
        InvariantViolationException.Check(back.MaximumSegmentSize == options.MaximumSegmentSize && back.WindowScale == options.WindowScale
            && back.SackPermitted == options.SackPermitted && back.Timestamps == options.Timestamps, "options differ");
        int blocks = options.WrittenSackBlockCount;
        InvariantViolationException.Check(back.SackBlocks.Count == blocks, "SACK block count");
        for (int i = 0; i < blocks; i++)
        {
            InvariantViolationException.Check(back.SackBlocks[i] == options.SackBlocks[i], "SACK block differs");
        }
        InvariantViolationException.Check(options.Length <= TcpOptions.MaxLength && options.Length % 4 == 0, "options length");
    }
}
