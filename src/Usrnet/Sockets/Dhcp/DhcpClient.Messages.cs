using Usrnet.Wire;

namespace Usrnet.Sockets.Dhcp;

public sealed partial class DhcpClient
{
    /// <summary>
    /// Option 55 (RFC 2132 §9.8): subnet mask, router, DNS servers, domain name, interface MTU, lease time,
    /// server identifier, T1, T2 — what <see cref="DhcpConfiguration"/> holds.
    /// </summary>
    private static readonly byte[] s_parameterRequestList =
    [
        (byte)DhcpOptionCode.SubnetMask, (byte)DhcpOptionCode.Router, (byte)DhcpOptionCode.DomainNameServer,
        (byte)DhcpOptionCode.DomainName, (byte)DhcpOptionCode.InterfaceMtu, (byte)DhcpOptionCode.IpAddressLeaseTime,
        (byte)DhcpOptionCode.ServerIdentifier, (byte)DhcpOptionCode.RenewalTimeValue, (byte)DhcpOptionCode.RebindingTimeValue,
    ];

    /// <summary>A handful of messages each way is all a DHCP exchange ever has in flight.</summary>
    private static readonly SocketBufferOptions s_socketBuffers = new()
    {
        ReceivePackets = 16,
        ReceiveBytes = 32 * 1024,
        SendPackets = 8,
        SendBytes = 8 * 1024,
    };

    /// <summary>The smallest MTU an interface may have (RFC 791; RFC 2132 §5.1: option 26's minimum).</summary>
    private const int MinimumMtu = 68;

    /// <summary>Fixed fields plus the longest options a client message of ours carries (two 255-byte options and a few short ones).</summary>
    private const int SendBufferLength = 1024;

    private readonly byte[] _clientIdentifier;
    private readonly byte[] _receiveBuffer;
    private readonly byte[] _sendBuffer = new byte[SendBufferLength];

    /// <summary>RFC 2132 §9.14: type 1 (Ethernet, as ARP's hardware type) followed by the MAC.</summary>
    private static byte[] DefaultClientIdentifier(EthernetAddress hardwareAddress)
    {
        byte[] id = new byte[1 + EthernetAddress.Length];
        id[0] = DhcpPacket.HardwareTypeEthernet;
        hardwareAddress.WriteTo(id.AsSpan(1));
        return id;
    }

    private void ReceiveReplies(Instant now)
    {
        while (_udp.TryReceiveFrom(_receiveBuffer, out int length, out Ipv4Endpoint from))
        {
            Counters.MessagesReceived++;
            if (length > _receiveBuffer.Length)
            {
                Counters.DroppedMalformed++; // longer than option 57 allowed
                continue;
            }
            if (from.Port != DhcpMessage.ServerPort)
            {
                Counters.DroppedNotForUs++; // RFC 2131 §4.1: servers and relays send from port 67
                continue;
            }
            Span<byte> datagram = _receiveBuffer.AsSpan(0, length);
            if (!DhcpPacket.TryCreate(datagram, out DhcpPacket packet))
            {
                Counters.DroppedMalformed++;
                continue;
            }
            // RFC 2131 §4.4.1: match the reply to our request by xid and chaddr. Checked on the view before
            // parsing: on a shared link most broadcast replies are other clients'.
            if (packet.Operation != DhcpOperation.BootReply || packet.TransactionId != _xid
                || packet.HardwareLength != EthernetAddress.Length || packet.ClientHardwareAddress != _hardwareAddress)
            {
                Counters.DroppedNotForUs++;
                continue;
            }
            if (!DhcpMessage.TryParse(datagram, out DhcpMessage reply) || reply.MessageType is null)
            {
                Counters.DroppedMalformed++;
                continue;
            }
            OnReply(now, reply);
        }
    }

    private void OnReply(Instant now, in DhcpMessage reply)
    {
        switch (State, reply.MessageType)
        {
            case (DhcpState.Selecting, DhcpMessageType.Offer):
                OnOffer(now, reply);
                return;
            case (DhcpState.Requesting, DhcpMessageType.Ack or DhcpMessageType.Nak):
                // RFC 2131 §4.3.2: only the selected server answers; anything else is not for this request.
                if (reply.ServerIdentifier is { } server && server != _offeringServer)
                {
                    Counters.DroppedNotForUs++;
                    return;
                }
                break;
            case (DhcpState.Rebooting or DhcpState.Renewing or DhcpState.Rebinding, DhcpMessageType.Ack or DhcpMessageType.Nak):
                break;
            default:
                Counters.DroppedUnexpected++;
                return;
        }
        if (reply.MessageType == DhcpMessageType.Nak)
        {
            OnNak(now, reply);
            return;
        }
        Ipv4Address fallbackServer = State == DhcpState.Requesting ? _offeringServer : _lease?.ServerIdentifier ?? Ipv4Address.Any;
        if (ToConfiguration(reply, _requestSentAt, fallbackServer) is not { } lease)
        {
            Counters.RepliesRejected++;
            return;
        }
        if (State is DhcpState.Renewing or DhcpState.Rebinding || _options.ProbeCount == 0)
        {
            // RFC 2131 §4.4.5: a DHCPACK in RENEWING or REBINDING extends the lease on an address in use.
            Bind(now, lease);
        }
        else
        {
            StartProbing(now, lease);
        }
    }

    /// <summary>SELECTING: take the first usable offer (RFC 2131 §4.4.1 lets the client choose) and request it.</summary>
    private void OnOffer(Instant now, in DhcpMessage offer)
    {
        // RFC 2131 §4.3.1 Table 3: an offer MUST carry the server identifier (which the request names) and
        // the lease time. A subnet mask it carries must be one the ACK could use: requesting an address
        // whose ACK will be refused only delays the offers that can make a lease.
        if (!offer.YourAddress.IsUnicast || offer.ServerIdentifier is not { } server || !server.IsUnicast || offer.LeaseTime is null
            || (offer.SubnetMask is { } mask && (!Ipv4Cidr.TryFromNetmask(offer.YourAddress, mask, out Ipv4Cidr offered) || offered.PrefixLength == 0)))
        {
            Counters.RepliesRejected++;
            return;
        }
        _offeredAddress = offer.YourAddress;
        _offeringServer = server;
        Enter(DhcpState.Requesting);
        _transmissions = 0;
        _requestSentAt = now;
        SendSelectingRequest();
        ScheduleRetransmission(now);
    }

    /// <summary>
    /// The configuration a DHCPACK grants, or null when it cannot make one: no unicast 'yiaddr', no valid
    /// subnet mask, no lease time (RFC 2131 §4.3.1 Table 3 requires one in a DHCPACK to a DHCPREQUEST),
    /// or no server to renew with. T1 and T2 default to 0.5 and 0.875 of the lease (RFC 2131 §4.4.5) and are
    /// kept in order: T1 ≤ T2 ≤ lease.
    /// </summary>
    private static DhcpConfiguration? ToConfiguration(in DhcpMessage ack, Instant obtainedAt, Ipv4Address fallbackServer)
    {
        Ipv4Address server = ack.ServerIdentifier ?? fallbackServer;
        if (!ack.YourAddress.IsUnicast || ack.SubnetMask is not { } mask || !Ipv4Cidr.TryFromNetmask(ack.YourAddress, mask, out Ipv4Cidr address)
            || address.PrefixLength == 0 || ack.LeaseTime is not { } leaseSeconds || !server.IsUnicast)
        {
            return null;
        }
        TimeSpan? lease = null, renewal = null, rebinding = null;
        if (leaseSeconds != DhcpMessage.InfiniteLease)
        {
            lease = TimeSpan.FromSeconds(leaseSeconds);
            rebinding = ack.RebindingTime is { } t2 && t2 <= leaseSeconds ? TimeSpan.FromSeconds(t2) : lease * 0.875;
            TimeSpan half = lease.Value * 0.5;
            renewal = ack.RenewalTime is { } t1 && TimeSpan.FromSeconds(t1) <= rebinding
                ? TimeSpan.FromSeconds(t1)
                : half < rebinding ? half : rebinding;
        }
        return new DhcpConfiguration(
            address,
            ack.Router is { IsUnicast: true } router ? router : null,
            ack.DomainNameServers.ToArray(),
            ack.DomainName,
            ack.InterfaceMtu is { } mtu && mtu >= MinimumMtu ? mtu : null,
            server,
            lease,
            renewal,
            rebinding,
            obtainedAt);
    }

    /// <summary>The fields every message of ours has (RFC 2131 §4.4.1 Table 5).</summary>
    private DhcpMessage NewMessage(DhcpMessageType type, ushort seconds) => new()
    {
        Operation = DhcpOperation.BootRequest,
        TransactionId = _xid,
        Seconds = seconds,
        ClientHardwareAddress = _hardwareAddress,
        MessageType = type,
        ClientIdentifier = _clientIdentifier,
    };

    /// <summary>A DHCPDISCOVER or DHCPREQUEST also asks for parameters and says what it can take.</summary>
    private DhcpMessage NewAsking(DhcpMessageType type, ushort seconds) => NewMessage(type, seconds) with
    {
        MaximumMessageSize = _options.MaxMessageSize,
        HostName = _options.HostName,
        ParameterRequestList = s_parameterRequestList,
    };

    private ushort SecondsSinceExchangeStart(Instant now) =>
        (ushort)Math.Clamp((long)(now - _exchangeStartedAt).TotalSeconds, 0, ushort.MaxValue);

    /// <summary>DHCPDISCOVER: broadcast from 0.0.0.0 (RFC 2131 §4.4.1).</summary>
    private void SendDiscover(Instant now)
    {
        _discoverSeconds = SecondsSinceExchangeStart(now);
        Send(NewAsking(DhcpMessageType.Discover, _discoverSeconds) with { Broadcast = _options.RequestBroadcast }, Ipv4Address.Broadcast, Ipv4Address.Any);
    }

    /// <summary>
    /// DHCPREQUEST in SELECTING (RFC 2131 §4.3.2, §4.4.1): broadcast, naming the server (option 54) and the
    /// offered address (option 50), 'ciaddr' zero, the same 'xid' and 'secs' as the DHCPDISCOVER.
    /// </summary>
    private void SendSelectingRequest() =>
        Send(NewAsking(DhcpMessageType.Request, _discoverSeconds) with
        {
            Broadcast = _options.RequestBroadcast,
            RequestedAddress = _offeredAddress,
            ServerIdentifier = _offeringServer,
        }, Ipv4Address.Broadcast, Ipv4Address.Any);

    /// <summary>DHCPREQUEST in INIT-REBOOT (RFC 2131 §4.3.2): broadcast, option 50 the remembered address, no server identifier, 'ciaddr' zero.</summary>
    private void SendRebootRequest(Instant now) =>
        Send(NewAsking(DhcpMessageType.Request, SecondsSinceExchangeStart(now)) with
        {
            Broadcast = _options.RequestBroadcast,
            RequestedAddress = _options.RememberedAddress,
        }, Ipv4Address.Broadcast, Ipv4Address.Any);

    /// <summary>DHCPREQUEST in RENEWING (RFC 2131 §4.3.2, §4.4.5): unicast to the server from the leased address, 'ciaddr' set, no options 50 and 54.</summary>
    private void SendRenewingRequest(Instant now, DhcpConfiguration lease) =>
        Send(NewAsking(DhcpMessageType.Request, SecondsSinceExchangeStart(now)) with { ClientAddress = lease.Address.Address },
            lease.ServerIdentifier, lease.Address.Address);

    /// <summary>DHCPREQUEST in REBINDING (RFC 2131 §4.3.2, §4.4.5): as in RENEWING but broadcast, for any server.</summary>
    private void SendRebindingRequest(Instant now, DhcpConfiguration lease) =>
        Send(NewAsking(DhcpMessageType.Request, SecondsSinceExchangeStart(now)) with { ClientAddress = lease.Address.Address },
            Ipv4Address.Broadcast, lease.Address.Address);

    /// <summary>
    /// DHCPDECLINE (RFC 2131 §4.4.1, Table 5): broadcast from 0.0.0.0 since the address cannot be used,
    /// with options 50 and 54 and a message (option 56) saying who has it.
    /// </summary>
    private void SendDecline(DhcpConfiguration lease, EthernetAddress holder) =>
        Send(NewMessage(DhcpMessageType.Decline, 0) with
        {
            RequestedAddress = lease.Address.Address,
            ServerIdentifier = lease.ServerIdentifier,
            Message = $"address in use by {holder}",
        }, Ipv4Address.Broadcast, Ipv4Address.Any);

    /// <summary>DHCPRELEASE (RFC 2131 §4.4.6, Table 5): unicast to the server from the address, 'ciaddr' set, option 54.</summary>
    private void SendRelease(DhcpConfiguration lease) =>
        Send(NewMessage(DhcpMessageType.Release, 0) with
        {
            ClientAddress = lease.Address.Address,
            ServerIdentifier = lease.ServerIdentifier,
        }, lease.ServerIdentifier, lease.Address.Address);

    private void Send(in DhcpMessage message, Ipv4Address destination, Ipv4Address source)
    {
        int length = message.Length;
        message.WriteTo(_sendBuffer);
        _transmissions++;
        if (_udp.TrySendTo(_sendBuffer.AsSpan(0, length), new Ipv4Endpoint(destination, DhcpMessage.ServerPort), source))
        {
            Counters.MessagesSent++;
        }
        else
        {
            Counters.DroppedSendQueueFull++;
        }
    }
}
