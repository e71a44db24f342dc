using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    /// <summary>RFC 5227 §1.1 ANNOUNCE_NUM.</summary>
    private const int AnnounceCount = 2;

    /// <summary>RFC 5227 §1.1 ANNOUNCE_INTERVAL.</summary>
    private static readonly TimeSpan s_announceInterval = TimeSpan.FromSeconds(2);

    private void ProcessArp(Instant now, Span<byte> payload)
    {
        if (!ArpHeader.TryParse(payload, out ArpHeader arp))
        {
            Counters.DroppedMalformed++;
            return;
        }
        if (Address is not { } address)
        {
            return;
        }
        if (arp.SenderProtocolAddress == address.Address)
        {
            // Someone else claims our address (RFC 5227 §2.4 conflict); never learn our own address.
            Counters.DroppedSourceOwnAddress++;
            return;
        }
        bool targetsUs = arp.TargetProtocolAddress == address.Address;
        // RFC 826 "Packet Reception": update an existing entry from any packet; add one only when we are the target.
        _arp.Update(now, arp.SenderProtocolAddress, arp.SenderHardwareAddress, create: targetsUs, this);
        if (targetsUs && arp.Operation == ArpOperation.Request)
        {
            SendArp(now, arp.SenderHardwareAddress, new ArpHeader(
                ArpOperation.Reply, HardwareAddress, address.Address, arp.SenderHardwareAddress, arp.SenderProtocolAddress));
            Counters.ArpRepliesSent++;
        }
    }

    private void SendAnnouncements(Instant now)
    {
        if (_announcementsLeft == 0 || Address is not { } address || (_nextAnnouncement is { } at && at > now))
        {
            return;
        }
        // RFC 5227 §2.3: an ARP request with sender and target protocol address both ours.
        SendArp(now, EthernetAddress.Broadcast, new ArpHeader(ArpOperation.Request, HardwareAddress, address.Address, EthernetAddress.Zero, address.Address));
        Counters.ArpRequestsSent++;
        _announcementsLeft--;
        _nextAnnouncement = now + s_announceInterval;
    }

    private void SendArp(Instant now, EthernetAddress destination, ArpHeader arp)
    {
        PacketBuffer frame = PacketBuffer.Rent(EthernetHeader.Length + ArpHeader.Length);
        new EthernetHeader(destination, HardwareAddress, EtherType.Arp).WriteTo(frame.Span);
        arp.WriteTo(frame.Span[EthernetHeader.Length..]);
        Transmit(now, frame);
    }

    void IArpCacheHost.SendArpRequest(Instant now, Ipv4Address target, EthernetAddress? destination)
    {
        if (Address is { } address)
        {
            SendArp(now, destination ?? EthernetAddress.Broadcast, new ArpHeader(ArpOperation.Request, HardwareAddress, address.Address, EthernetAddress.Zero, target));
            Counters.ArpRequestsSent++;
        }
    }

    void IArpCacheHost.TransmitParked(Instant now, EthernetAddress destination, PacketBuffer frame)
    {
        new EthernetHeader(destination, HardwareAddress, EtherType.Ipv4).WriteTo(frame.Span);
        Transmit(now, frame);
    }

    void IParkedFrameHost.ParkedFrameDropped(PacketBuffer frame)
    {
        Counters.DroppedNeighborQueueFull++;
        frame.Dispose();
    }

    void IArpCacheHost.NeighborUnreachable(Instant now, PacketBuffer frame)
    {
        Counters.DroppedNeighborUnreachable++;
        using (frame)
        {
            Span<byte> packet = frame.Span[EthernetHeader.Length..];
            if (Ipv4Packet.TryCreate(packet, out Ipv4Packet ip))
            {
                Log.NeighborUnreachable(_logger, ip.Destination.ToString());
            }
            // Tell the local sender, as Linux does when a neighbour fails: ping prints "Destination Host Unreachable".
            NotifyLocalSender(now, packet, IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.Host));
        }
    }
}
