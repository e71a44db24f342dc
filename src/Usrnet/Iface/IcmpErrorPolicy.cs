using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>
/// When an ICMP error may be sent about a received packet (RFC 1122 §3.2.2; RFC 1812 §4.3.2.7), and a
/// token-bucket rate limit on how many are sent.
/// </summary>
/// <remarks>
/// The rate limit defaults to Linux's <c>icmp_msgs_per_sec</c> = 1000 and <c>icmp_msgs_burst</c> = 50.
/// Never reads a clock: refills from the <c>now</c> it is given.
/// </remarks>
internal sealed class IcmpErrorPolicy
{
    private readonly double _tokensPerMicrosecond;
    private readonly int _burst;
    private double _tokens;
    private Instant _lastRefill;

    /// <summary>Creates a policy allowing <paramref name="perSecond"/> errors a second with bursts of <paramref name="burst"/>.</summary>
    public IcmpErrorPolicy(int perSecond = 1000, int burst = 50)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _tokensPerMicrosecond = perSecond / 1_000_000.0;
        _burst = burst;
        _tokens = burst;
    }

    /// <summary>
    /// True when RFC 1122 §3.2.2 allows an ICMP error about this packet. Never about: an ICMP error
    /// (nor an ICMP message of unknown type, treated as one), a datagram sent to an IP broadcast or
    /// multicast address, one received as a link-layer broadcast, a fragment other than the first, or
    /// one whose source does not name a single host.
    /// </summary>
    /// <param name="packet">The offending packet, header checksum verified.</param>
    /// <param name="linkBroadcast">The frame was sent to a link-layer broadcast or multicast address.</param>
    /// <param name="isSubnetBroadcast">The destination is the directed broadcast of our subnet.</param>
    public static bool MayReplyTo(in Ipv4Packet packet, bool linkBroadcast, bool isSubnetBroadcast)
    {
        if (linkBroadcast || isSubnetBroadcast || packet.Destination.IsBroadcast || packet.Destination.IsMulticast)
        {
            return false;
        }
        if (packet.FragmentOffset != 0)
        {
            return false;
        }
        if (!packet.Source.IsUnicast || packet.Source.IsLoopback)
        {
            return false;
        }
        if (packet.Protocol == IpProtocol.Icmp)
        {
            ReadOnlySpan<byte> icmp = packet.Payload;
            if (icmp.Length < 1)
            {
                return false;
            }
            // Only queries (echo, timestamp, information, address mask) may draw an error.
            var type = (IcmpV4Type)icmp[0];
            return type is IcmpV4Type.EchoRequest or IcmpV4Type.EchoReply || icmp[0] is 13 or 14 or 15 or 16 or 17 or 18;
        }
        return true;
    }

    /// <summary>
    /// True when RFC 4443 §2.4 (e) allows an ICMPv6 <paramref name="error"/> about this packet. Never about: an
    /// ICMPv6 error message (e.1); a packet sent to a multicast address (e.2) or as a link-layer multicast or
    /// broadcast (e.3, e.4), except Packet Too Big and a Parameter Problem for an unrecognised option; one
    /// whose source does not name a single node (e.5: unspecified, multicast, loopback).
    /// </summary>
    /// <param name="packet">The offending packet.</param>
    /// <param name="upperLayer">Its upper-layer protocol when its header chain was walked to it, else null (then the fixed header's Next Header is read).</param>
    /// <param name="upperLayerOffset">Where the upper-layer header starts in the packet, when <paramref name="upperLayer"/> is known.</param>
    /// <param name="linkMulticast">The frame was sent to a link-layer multicast or broadcast address.</param>
    /// <param name="error">The error that would be sent.</param>
    public static bool MayReplyTo(in Ipv6Packet packet, IpProtocol? upperLayer, int upperLayerOffset, bool linkMulticast, IcmpV6Message error)
    {
        Ipv6Address source = packet.Source;
        if (source.IsUnspecified || source.IsMulticast || source.IsLoopback)
        {
            return false;
        }
        bool exempt = error.Type == IcmpV6Type.PacketTooBig
            || (error.Type == IcmpV6Type.ParameterProblem && error.Code == (byte)IcmpV6ParameterProblemCode.UnrecognizedOption);
        if ((linkMulticast || packet.Destination.IsMulticast) && !exempt)
        {
            return false;
        }
        if (upperLayer is null)
        {
            upperLayer = packet.NextHeader;
            upperLayerOffset = Ipv6Packet.HeaderLength;
        }
        if (upperLayer == IpProtocol.IcmpV6)
        {
            // (e.1): an ICMPv6 message too short to show its type is treated as an error message.
            ReadOnlySpan<byte> icmp = packet.Buffer[Math.Min(upperLayerOffset, packet.Buffer.Length)..];
            return icmp.Length >= 1 && !new IcmpV6Message((IcmpV6Type)icmp[0], 0, 0).IsError;
        }
        return true;
    }

    /// <summary>Takes one token from the bucket; false when the rate limit says not now.</summary>
    public bool TryTake(Instant now)
    {
        if (now > _lastRefill)
        {
            _tokens = Math.Min(_burst, _tokens + (now.TotalMicroseconds - _lastRefill.TotalMicroseconds) * _tokensPerMicrosecond);
            _lastRefill = now;
        }
        if (_tokens >= 1)
        {
            _tokens -= 1;
            return true;
        }
        return false;
    }
}
