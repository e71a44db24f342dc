using Usrnet.Wire;
using static Usrnet.Tests.Iface.Ipv6.Ipv6Peer;

namespace Usrnet.Tests.Iface.Ipv6;

/// <summary>docs/articles/design.md §2 "Memory": IPv6 input, neighbour discovery and ICMPv6 allocate nothing per packet in steady state.</summary>
[Collection(AllocationMeasuringCollection.Name)]
public sealed class Ipv6AllocationTests
{
    [Fact]
    public void EchoRepliesAndSolicitationAnswersAllocateNothingInSteadyState()
    {
        using var link = new Ipv6Peer();
        link.CompleteDad();
        byte[] solicitation = NeighborSolicitation(PeerLinkLocal, Ipv6Address.SolicitedNode(StackLinkLocal), StackLinkLocal, PeerMac, SolicitedNodeMac(StackLinkLocal));
        byte[] echo = EchoRequest(PeerLinkLocal, StackLinkLocal);

        int RoundTrips(int count)
        {
            int sent = 0;
            for (int i = 0; i < count; i++)
            {
                sent += link.Bounce(solicitation);
                sent += link.Bounce(echo);
            }
            return sent;
        }

        Assert.Equal(400, RoundTrips(200)); // warm up: the peer learned, pools filled, code jitted
        long before = GC.GetAllocatedBytesForCurrentThread();
        int answered = RoundTrips(1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(2000, answered);
        Assert.Equal(0, allocated);
    }
}
