using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Wire;
using static Usrnet.Tests.Iface.FragmentBuilder;

namespace Usrnet.Tests.Iface;

public sealed class Ipv4ReassemblerQuoteTests
{
    [Fact]
    public void ReassemblerTimeoutQuotesTheWholeHeaderOfAFirstFragmentWithOptions()
    {
        var reassembler = new Ipv4Reassembler();
        byte[] routerAlert = [0x94, 0x04, 0x00, 0x00];
        byte[] first = Fragment(1, 0, Pattern(0, 16), more: true, options: routerAlert);
        Assert.True(Ipv4Packet.TryCreate(first, out Ipv4Packet packet));
        Assert.Equal(Ipv4Reassembler.Outcome.Pending, reassembler.Add(Instant.Zero, packet, out PacketBuffer? _, out _));
        var quotes = new List<byte[]>();

        reassembler.Expire(Instant.FromSeconds(30), quote => quotes.Add(quote.ToArray()));

        // RFC 792: the internet header (options included) and the first 64 bits of data.
        byte[] quoted = Assert.Single(quotes);
        Assert.True(Ipv4Header.TryParseQuoted(quoted, out _, out int headerLength));
        Assert.Equal(24, headerLength);
        Assert.Equal(first[..(24 + 8)], quoted);
    }
}
