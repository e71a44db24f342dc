using Usrnet.Wire;

namespace Usrnet.Fuzz.Targets;

/// <summary>
/// IPv4 with options (RFC 791): a packet is parsed as it came and with its header checksum fixed; an
/// accepted header written again (without its options, which the stack skips) parses to the same
/// fields and payload, and the quoted-header reader of ICMP errors agrees with the full parser.
/// </summary>
internal sealed class Ipv4Target : FuzzTarget
{
    private readonly byte[] _packet = new byte[MaxInputLength];
    private readonly byte[] _written = new byte[MaxInputLength];

    public override string Name => "ipv4";

    public override string Description => "IPv4 header and options: parse as is and checksum-fixed, write, parse again, quoted parse agrees";

    public override void Run(ReadOnlySpan<byte> input)
    {
        Span<byte> packet = _packet.AsSpan(0, input.Length);
        input.CopyTo(packet);
        Exercise(packet);
        ChecksumFixer.FixIpv4(packet);
        bool viewed = Ipv4Packet.TryCreate(packet, out Ipv4Packet view);
        if (!Exercise(packet))
        {
            InvariantViolationException.Check(!viewed, "a packet with a fixed header checksum was refused");
            return;
        }
        Ipv4Header.TryParse(packet, out Ipv4Header header, out int headerLength);
        InvariantViolationException.Check(viewed && view.HeaderLength == headerLength && Ipv4Header.From(view) == header, "view and header disagree");
        InvariantViolationException.Check(Ipv4Header.TryParseQuoted(packet, out Ipv4Header quoted, out int quotedLength)
            && quoted == header && quotedLength == headerLength, "the quoted-header reader disagrees with the parser");

        Span<byte> written = _written.AsSpan(0, Ipv4Header.Length + header.PayloadLength);
        header.WriteTo(written);
        view.Payload.CopyTo(written[Ipv4Header.Length..]);
        InvariantViolationException.Check(Ipv4Header.TryParse(written, out Ipv4Header again, out int againLength)
            && againLength == Ipv4Header.Length && again == header, "written header parses differently");
        InvariantViolationException.Check(written[Ipv4Header.Length..].SequenceEqual(view.Payload), "payload moved");
    }

    private static bool Exercise(Span<byte> packet)
    {
        bool parsed = Ipv4Header.TryParse(packet, out Ipv4Header header, out int headerLength);
        if (parsed)
        {
            InvariantViolationException.Check(headerLength is >= Ipv4Packet.MinHeaderLength and <= Ipv4Packet.MaxHeaderLength
                && header.PayloadLength >= 0 && headerLength + header.PayloadLength <= packet.Length, "lengths out of range");
        }
        if (Ipv4Header.TryParseQuoted(packet, out Ipv4Header quoted, out int quotedLength))
        {
            InvariantViolationException.Check(quotedLength <= packet.Length && quoted.PayloadLength >= 0, "quoted lengths out of range");
        }
        return parsed;
    }
}
