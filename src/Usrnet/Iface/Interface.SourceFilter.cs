using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    /// <summary>
    /// The ingress filter for IPv4 packets from the link. RFC 1122 §3.2.1.3: "A host MUST silently discard
    /// an incoming datagram containing an IP source address that is invalid"; RFC 6890 §2.2.2 lists the
    /// special-purpose blocks whose "Source" is false. Each drop is counted under its own reason, as Linux's
    /// martian-source checks in <c>ip_route_input_slow</c> (<c>net.ipv4.conf.*.log_martians</c>) are:
    /// <list type="bullet">
    /// <item>255.255.255.255 or our subnet's broadcast (RFC 1122 §3.2.1.3 (c), (d));</item>
    /// <item>multicast (RFC 1112 §7.2: a group address never appears as a source);</item>
    /// <item>127/8 (RFC 1122 §3.2.1.3 (g): loopback never appears outside a host);</item>
    /// <item>240/4, former class E (RFC 1112 §4, RFC 6890);</item>
    /// <item>0/8 (RFC 1122 §3.2.1.3 (a), (b)), except 0.0.0.0 for BOOTP/DHCP (<see cref="IsDhcpFromUnspecified"/>);</item>
    /// <item>our own address (Linux's <c>accept_local=0</c>): otherwise one forged SYN from our address to
    /// itself (LAND) makes the stack answer its own SYN-ACKs until the connection times out.</item>
    /// </list>
    /// Then the options: malformed ones are dropped (Linux's <c>ip_options_compile</c>), and so is a source
    /// route (LSRR or SSRR), as RFC 7126 §4.3 and §4.4 recommend and Linux does with
    /// <c>accept_source_route=0</c>: a host that honours one lets any sender pose as a trusted address.
    /// Packets we loop back to ourselves do not come through here.
    /// </summary>
    /// <returns>True when the packet may go on; false when it was counted and dropped.</returns>
    private bool AcceptFromLink(in Ipv4Packet ip)
    {
        Ipv4Address source = ip.Source;
        if (source.IsBroadcast || (Address is { } subnet && subnet.DirectedBroadcast == source))
        {
            Counters.DroppedSourceBroadcast++;
        }
        else if (source.IsMulticast)
        {
            Counters.DroppedSourceMulticast++;
        }
        else if (source.IsLoopback)
        {
            Counters.DroppedSourceLoopback++;
        }
        else if (source.IsReserved)
        {
            Counters.DroppedSourceReserved++;
        }
        else if (source.IsThisNetwork && !(source.IsUnspecified && IsDhcpFromUnspecified(ip)))
        {
            Counters.DroppedSourceThisNetwork++;
        }
        else if (Address is { } own && source == own.Address)
        {
            Counters.DroppedSourceOwnAddress++;
        }
        else if (!Ipv4Options.TryScan(ip.Options, out bool sourceRouted))
        {
            Counters.DroppedMalformed++;
        }
        else if (sourceRouted)
        {
            Counters.DroppedSourceRouted++;
        }
        else
        {
            return true;
        }
        return false;
    }

    /// <summary>
    /// True for an unfragmented UDP datagram to the BOOTP/DHCP server or client port: the one kind of
    /// packet sent from 0.0.0.0, by a host that has no address yet (RFC 2131 §4.1, RFC 1122 §3.2.1.3 (a)
    /// "MUST NOT be sent, except as a source address as part of an initialization procedure"). Linux
    /// accepts 0.0.0.0 only toward 255.255.255.255 for the same reason.
    /// </summary>
    private static bool IsDhcpFromUnspecified(in Ipv4Packet ip) =>
        ip.Protocol == IpProtocol.Udp && !ip.IsFragment && UdpDatagram.TryCreate(ip.Payload, out UdpDatagram udp)
            && udp.DestinationPort is DhcpMessage.ServerPort or DhcpMessage.ClientPort;
}
