using Usrnet.Wire;

namespace Usrnet.Fuzz.Targets;

/// <summary>
/// ICMPv4 (RFC 792): a message is parsed as it came and with its checksum fixed, which must then be
/// accepted; written again it gives the same bytes; an error's quoted IPv4 header is read as the
/// interface reads it.
/// </summary>
internal sealed class IcmpTarget : FuzzTarget
{
    private readonly byte[] _message = new byte[MaxInputLength];
    private readonly byte[] _written = new byte[MaxInputLength];

    public override string Name => "icmp";

    public override string Description => "ICMPv4 message: parse as is and checksum-fixed, write, compare bytes; quoted header of errors";

    public override void Run(ReadOnlySpan<byte> input)
    {
        Span<byte> message = _message.AsSpan(0, input.Length);
        input.CopyTo(message);
        IcmpV4Message.TryParse(message, out _);
        ChecksumFixer.FixTransport(IpProtocol.Icmp, message, ChecksumFixer.PeerAddress, ChecksumFixer.StackAddress);
        bool parsed = IcmpV4Message.TryParse(message, out IcmpV4Message header);
        InvariantViolationException.Check(parsed == message.Length >= IcmpV4Message.HeaderLength, "a message with a fixed checksum was refused");
        if (!parsed)
        {
            return;
        }
        _ = header.Identifier + header.SequenceNumber + header.NextHopMtu;
        if (header.IsError && Ipv4Header.TryParseQuoted(message[IcmpV4Message.HeaderLength..], out Ipv4Header quoted, out int quotedLength))
        {
            InvariantViolationException.Check(quotedLength <= message.Length - IcmpV4Message.HeaderLength && quoted.PayloadLength >= 0, "quoted lengths out of range");
        }
        Span<byte> written = _written.AsSpan(0, message.Length);
        message[IcmpV4Message.HeaderLength..].CopyTo(written[IcmpV4Message.HeaderLength..]);
        header.WriteTo(written);
        InvariantViolationException.Check(written.SequenceEqual(message), "written message differs from the parsed bytes");
    }
}
