using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Tests.Phy;
using Usrnet.Wire;
using static Usrnet.Tests.Iface.Ipv6.Ipv6Peer;

namespace Usrnet.Tests.Iface.Ipv6;

/// <summary>Fragments reassembled at the interface (RFC 8200 §4.5) are processed as the whole packet.</summary>
public sealed class Ipv6FragmentInputTests
{
    [Fact]
    public void AFragmentedEchoRequestIsReassembledAndAnswered()
    {
        using var link = new Ipv6Peer(new InterfaceOptions { Ipv6Addresses = [new Ipv6Cidr(Ipv6FragmentBuilder.Destination, 64)] });
        link.CompleteDad();
        byte[] echo = Icmp(IcmpV6Message.EchoRequest(7, 1), Ipv6FragmentBuilder.Source, Ipv6FragmentBuilder.Destination, new byte[40]);
        byte[] first = Ipv6FragmentBuilder.Fragment6(9, 0, echo.AsSpan(0, 16), more: true, nextHeader: (byte)IpProtocol.IcmpV6);
        byte[] last = Ipv6FragmentBuilder.Fragment6(9, 16, echo.AsSpan(16), more: false, nextHeader: (byte)IpProtocol.IcmpV6);

        Assert.Empty(link.Exchange(WithEthernet(first)));
        // The reply to fd00:0:0:1::1 (on-link by our prefix) waits for resolution: a solicitation goes out.
        byte[] ns = Assert.Single(link.Exchange(WithEthernet(last)));
        Assert.Equal(Ipv6Address.SolicitedNode(Ipv6FragmentBuilder.Source), Header(ns).Destination);
        Assert.Equal(1, link.Stack.Counters.DatagramsReassembled);
        Assert.Equal(1, link.Stack.NeighborCache.ParkedCount);
        Assert.Equal(0, link.Stack.Counters.TotalDropped);
    }

    private static byte[] WithEthernet(byte[] packet)
    {
        byte[] frame = new byte[EthernetHeader.Length + packet.Length];
        new EthernetHeader(StackMac, PeerMac, EtherType.Ipv6).WriteTo(frame);
        packet.CopyTo(frame.AsSpan(EthernetHeader.Length));
        return frame;
    }
}
