using Usrnet.Wire;

namespace Usrnet.Fuzz.Targets;

/// <summary>Ethernet II: a parsed header written again gives the same 14 bytes, and the view agrees with the header.</summary>
internal sealed class EthernetTarget : FuzzTarget
{
    private readonly byte[] _frame = new byte[MaxInputLength];
    private readonly byte[] _written = new byte[EthernetHeader.Length];

    public override string Name => "ethernet";

    public override string Description => "Ethernet II header: parse, write, compare bytes; view accessors";

    public override void Run(ReadOnlySpan<byte> input)
    {
        Span<byte> frame = _frame.AsSpan(0, input.Length);
        input.CopyTo(frame);
        bool parsed = EthernetHeader.TryParse(frame, out EthernetHeader header);
        bool viewed = EthernetFrame.TryCreate(frame, out EthernetFrame view);
        InvariantViolationException.Check(parsed == viewed, "EthernetHeader.TryParse and EthernetFrame.TryCreate disagree");
        if (!parsed)
        {
            return;
        }
        InvariantViolationException.Check(view.Destination == header.Destination && view.Source == header.Source && view.EtherType == header.EtherType,
            "the view's fields differ from the header's");
        InvariantViolationException.Check(view.Payload.Length == frame.Length - EthernetHeader.Length, "payload length");
        header.WriteTo(_written);
        InvariantViolationException.Check(_written.AsSpan().SequenceEqual(frame[..EthernetHeader.Length]), "written header differs from the parsed bytes");
        InvariantViolationException.Check(EthernetHeader.TryParse(_written, out EthernetHeader again) && again == header, "written header parses differently");
        _ = header.Destination.IsBroadcast | header.Destination.IsUnicast | header.Source.IsMulticast;
        _ = header.ToString();
    }
}
