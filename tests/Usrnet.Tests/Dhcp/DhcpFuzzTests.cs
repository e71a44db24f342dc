using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;

namespace Usrnet.Tests.Dhcp;

/// <summary>Malformed DHCP messages are refused, never thrown (docs/articles/design.md §2), whatever their bytes.</summary>
public sealed class DhcpFuzzTests
{
    private static readonly string[] s_fixtures =
        [Discover, RequestSelecting, RequestRenewing, RequestInitReboot, Decline, Release, OfferOverloaded, DnsmasqOffer, DnsmasqAck, DnsmasqNak];

    [Fact]
    public void BitFlipsAndCutsOfRealMessagesNeverThrow()
    {
        Random random = new(2131);
        int parsed = 0;
        for (int i = 0; i < 30_000; i++)
        {
            byte[] message = Bytes(s_fixtures[random.Next(s_fixtures.Length)]);
            int flips = random.Next(1, 6);
            for (int f = 0; f < flips; f++)
            {
                // Mostly in the options, where the lengths are.
                int at = random.Next(3) == 0 ? random.Next(message.Length) : random.Next(DhcpPacket.OptionsOffset, message.Length);
                message[at] ^= (byte)(1 << random.Next(8));
            }
            int length = random.Next(3) == 0 ? random.Next(message.Length + 1) : message.Length;
            parsed += Exercise(message.AsSpan(0, length)) ? 1 : 0;
        }
        Assert.InRange(parsed, 1, 29_999); // both outcomes happened, so both paths ran
    }

    [Fact]
    public void RandomOptionAreasNeverThrow()
    {
        Random random = new(2132);
        byte[] message = Bytes(DnsmasqOffer);
        for (int i = 0; i < 30_000; i++)
        {
            int length = DhcpPacket.OptionsOffset + random.Next(80);
            byte[] buffer = message.AsSpan(0, Math.Min(length, message.Length)).ToArray();
            Array.Resize(ref buffer, length);
            random.NextBytes(buffer.AsSpan(DhcpPacket.OptionsOffset));
            if (random.Next(2) == 0 && length > DhcpPacket.OptionsOffset + 2)
            {
                // An overload option first, so the 'sname' and 'file' paths run too.
                buffer[DhcpPacket.OptionsOffset] = (byte)DhcpOptionCode.OptionOverload;
                buffer[DhcpPacket.OptionsOffset + 1] = 1;
                buffer[DhcpPacket.OptionsOffset + 2] = (byte)random.Next(4);
                random.NextBytes(buffer.AsSpan(44, 192));
            }
            Exercise(buffer);
        }
    }

    private static bool Exercise(Span<byte> buffer)
    {
        bool ok = DhcpMessage.TryParse(buffer, out DhcpMessage message);
        if (ok)
        {
            // Whatever parsed can be written again.
            byte[] written = new byte[message.Length];
            try
            {
                message.WriteTo(written);
            }
            catch (ArgumentException)
            {
                // A list option with more than 63 addresses cannot be written as one option: a writer's refusal, not a parser's throw.
            }
        }
        if (DhcpPacket.TryCreate(buffer, out DhcpPacket packet))
        {
            DhcpOptionReader reader = new(packet.Options);
            while (reader.TryReadNext(out _, out _))
            {
            }
        }
        return ok;
    }
}
