using Usrnet.Wire;

namespace Usrnet.Sockets.Dhcp;

public sealed partial class DhcpClient
{
    /// <summary>Probing reads only ARP, a few frames a second at most on a quiet link.</summary>
    private static readonly SocketBufferOptions s_arpBuffers = new()
    {
        ReceivePackets = 32,
        ReceiveBytes = 32 * 64,
        SendPackets = 4,
        SendBytes = 4 * 64,
    };

    private readonly byte[] _arpBuffer = new byte[EthernetFrame.MinimumLength];
    private int _probesSent;
    private Instant _nextProbeAt;

    /// <summary>
    /// DHCPACK received: check the address before using it (RFC 2131 §4.4.1 "SHOULD probe"; RFC 5227
    /// §2.1.1: wait a random time up to PROBE_WAIT, then PROBE_NUM probes PROBE_MIN to PROBE_MAX apart,
    /// then ANNOUNCE_WAIT). A raw ARP socket sees every ARP frame meanwhile: the interface hands them to
    /// raw sockets whether or not it has an address.
    /// </summary>
    private void StartProbing(Instant now, DhcpConfiguration lease)
    {
        _candidate = lease;
        _probesSent = 0;
        _nextTransmitAt = null;
        _arp ??= _sockets.CreateRawEthernetSocket(EtherType.Arp, s_arpBuffers);
        _nextProbeAt = now + Uniform(TimeSpan.Zero, _options.ProbeWait);
        Enter(DhcpState.Probing);
    }

    private void RunProbeTimer(Instant now)
    {
        if (now < _nextProbeAt)
        {
            return;
        }
        if (_probesSent < _options.ProbeCount)
        {
            SendProbe(_candidate!.Address.Address);
            _probesSent++;
            _nextProbeAt = now + (_probesSent < _options.ProbeCount
                ? Uniform(_options.ProbeMinInterval, _options.ProbeMaxInterval)
                : _options.AnnounceWait);
            return;
        }
        Bind(now, _candidate!);
    }

    /// <summary>
    /// RFC 5227 §2.1.1: an ARP request for the address with sender protocol address 0.0.0.0 (so no
    /// neighbour caches a mapping for an address we may not get) and target hardware address zero, broadcast.
    /// </summary>
    private void SendProbe(Ipv4Address address)
    {
        Span<byte> frame = stackalloc byte[EthernetHeader.Length + ArpHeader.Length];
        new EthernetHeader(EthernetAddress.Broadcast, _hardwareAddress, EtherType.Arp).WriteTo(frame);
        new ArpHeader(ArpOperation.Request, _hardwareAddress, Ipv4Address.Any, EthernetAddress.Zero, address).WriteTo(frame[EthernetHeader.Length..]);
        if (_arp!.TrySend(frame))
        {
            Counters.ProbesSent++;
        }
        else
        {
            Counters.DroppedSendQueueFull++;
        }
    }

    private void ReceiveArp(Instant now)
    {
        while (_arp is { } arp && arp.TryReceive(_arpBuffer, out int length))
        {
            if (State != DhcpState.Probing || _candidate is not { } candidate)
            {
                continue;
            }
            Span<byte> buffer = _arpBuffer.AsSpan(0, Math.Min(length, _arpBuffer.Length));
            if (!EthernetFrame.TryCreate(buffer, out EthernetFrame frame) || !ArpHeader.TryParse(frame.Payload, out ArpHeader packet)
                || packet.SenderHardwareAddress == _hardwareAddress)
            {
                continue;
            }
            // RFC 5227 §2.1.1: a conflict is any ARP packet whose sender address is the one probed, or an ARP
            // probe for it from another host (both hosts probing at once: neither may take it).
            Ipv4Address address = candidate.Address.Address;
            bool claimed = packet.SenderProtocolAddress == address;
            bool probedByAnother = packet.Operation == ArpOperation.Request && packet.SenderProtocolAddress.IsUnspecified
                && packet.TargetProtocolAddress == address;
            if (claimed || probedByAnother)
            {
                Decline(now, candidate, packet.SenderHardwareAddress);
            }
        }
    }

    /// <summary>The address is taken: DHCPDECLINE, and start over after the pause RFC 2131 §3.1 step 5 asks for.</summary>
    private void Decline(Instant now, DhcpConfiguration candidate, EthernetAddress holder)
    {
        Counters.Declines++;
        Log.Declined(_logger, candidate.Address.Address.ToString(), holder.ToString());
        SendDecline(candidate, holder);
        Raise(new DhcpDeclined(now, candidate.Address.Address, holder));
        Restart(now + _options.DeclineBackoff);
    }

    private void CloseArpSocket()
    {
        _arp?.Dispose();
        _arp = null;
    }
}
