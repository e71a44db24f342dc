using Usrnet.Wire;

namespace Usrnet.Fuzz.Targets;

/// <summary>
/// DHCP (RFC 2131, RFC 2132): an accepted message (options, 'file' and 'sname' overload included) can be
/// written again, and what is written parses to an equal message.
/// </summary>
internal sealed class DhcpTarget : FuzzTarget
{
    private readonly byte[] _message = new byte[MaxInputLength];
    private readonly byte[] _written = new byte[MaxInputLength];

    public override string Name => "dhcp";

    public override string Description => "DHCP message: parse, write, parse again, compare";

    public override void Run(ReadOnlySpan<byte> input)
    {
        Span<byte> buffer = _message.AsSpan(0, input.Length);
        input.CopyTo(buffer);
        if (!DhcpMessage.TryParse(buffer, out DhcpMessage message))
        {
            return;
        }
        int length = message.Length;
        InvariantViolationException.Check(length <= _written.Length, "written length out of range");
        Span<byte> written = _written.AsSpan(0, length);
        message.WriteTo(written);
        InvariantViolationException.Check(DhcpMessage.TryParse(written, out DhcpMessage again), "written message does not parse");
        InvariantViolationException.Check(again.Equals(message), "written message parses differently");
    }
}
