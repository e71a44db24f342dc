using Usrnet.Wire;

namespace Usrnet.Fuzz.Targets;

/// <summary>ARP (RFC 826): an accepted packet written again gives the same 28 bytes and parses to the same header.</summary>
internal sealed class ArpTarget : FuzzTarget
{
    private readonly byte[] _packet = new byte[MaxInputLength];
    private readonly byte[] _written = new byte[ArpHeader.Length];

    public override string Name => "arp";

    public override string Description => "ARP packet: parse, write, compare bytes, parse again";

    public override void Run(ReadOnlySpan<byte> input)
    {
        Span<byte> packet = _packet.AsSpan(0, input.Length);
        input.CopyTo(packet);
        if (ArpPacket.TryCreate(packet, out ArpPacket view))
        {
            _ = view.HardwareType + (int)view.ProtocolType + view.HardwareLength + view.ProtocolLength + (int)view.Operation;
        }
        if (!ArpHeader.TryParse(packet, out ArpHeader header))
        {
            return;
        }
        header.WriteTo(_written);
        InvariantViolationException.Check(_written.AsSpan().SequenceEqual(packet[..ArpHeader.Length]), "written ARP packet differs from the parsed bytes");
        InvariantViolationException.Check(ArpHeader.TryParse(_written, out ArpHeader again) && again == header, "written ARP packet parses differently");
    }
}
