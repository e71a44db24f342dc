using Usrnet.Wire;

namespace Usrnet.Fuzz.Targets;

/// <summary>
/// UDP (RFC 768): a datagram is parsed as it came and with its checksum fixed, which must then be
/// accepted when the length field fits; written again it parses to the same ports and payload.
/// </summary>
internal sealed class UdpTarget : FuzzTarget
{
    private readonly byte[] _datagram = new byte[MaxInputLength];
    private readonly byte[] _written = new byte[MaxInputLength];

    public override string Name => "udp";

    public override string Description => "UDP datagram: parse as is and checksum-fixed, write, parse again";

    public override void Run(ReadOnlySpan<byte> input)
    {
        Ipv4Address source = ChecksumFixer.PeerAddress, destination = ChecksumFixer.StackAddress;
        Span<byte> datagram = _datagram.AsSpan(0, input.Length);
        input.CopyTo(datagram);
        UdpHeader.TryParse(datagram, source, destination, out _, out _);
        ChecksumFixer.FixTransport(IpProtocol.Udp, datagram, source, destination);
        bool viewed = UdpDatagram.TryCreate(datagram, out UdpDatagram view);
        bool parsed = UdpHeader.TryParse(datagram, source, destination, out UdpHeader header, out int payloadLength);
        InvariantViolationException.Check(parsed == viewed, "a datagram with a fixed checksum was refused");
        if (!parsed)
        {
            return;
        }
        InvariantViolationException.Check(payloadLength == view.Payload.Length && view.SourcePort == header.SourcePort
            && view.DestinationPort == header.DestinationPort, "view and header disagree");
        Span<byte> written = _written.AsSpan(0, UdpHeader.Length + payloadLength);
        view.Payload.CopyTo(written[UdpHeader.Length..]);
        header.WriteTo(written, source, destination);
        InvariantViolationException.Check(written.SequenceEqual(datagram[..view.Length]), "written datagram differs from the checksum-fixed one");
        InvariantViolationException.Check(UdpHeader.TryParse(written, source, destination, out UdpHeader again, out int againLength)
            && again == header && againLength == payloadLength, "written datagram parses differently");
    }
}
