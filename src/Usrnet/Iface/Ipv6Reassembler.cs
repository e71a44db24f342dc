using System.Buffers.Binary;
using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>
/// Reassembles IPv6 packets from fragments (RFC 8200 §4.5) within fixed memory: at most
/// <see cref="ReassemblyOptions.MaxDatagrams"/> packets, each at most 65535 bytes of payload and
/// <see cref="ReassemblyOptions.MaxFragmentsPerDatagram"/> fragments, given up
/// <see cref="ReassemblyOptions.Ipv6Timeout"/> after the first-arriving fragment. The key is RFC 8200's
/// (source, destination, identification); holes, overlaps (RFC 5722) and bounds are
/// <see cref="ReassemblyTable{TKey}"/>'s, shared with IPv4.
/// </summary>
/// <remarks>
/// The caller walks the header chain first (<see cref="Ipv6HeaderChain.Walk"/>) and hands every packet
/// with a fragment header here; an atomic fragment comes back as <see cref="Outcome.PassThrough"/> with no
/// state kept (RFC 6946 §4). Ownership: a completed packet is a new <see cref="PacketBuffer"/> the caller
/// disposes.
/// </remarks>
internal sealed class Ipv6Reassembler
{
    /// <summary>Result of <see cref="Add"/>.</summary>
    public enum Outcome
    {
        /// <summary>Held; the packet is not complete yet.</summary>
        Pending,
        /// <summary>The packet is complete.</summary>
        Complete,
        /// <summary>An exact duplicate of a held fragment; ignored.</summary>
        Duplicate,
        /// <summary>The fragment, and the packet it belongs to, were dropped silently.</summary>
        Dropped,
        /// <summary>Not a fragment to reassemble (no fragment header, or an atomic fragment, RFC 6946 §4): process the packet as it is.</summary>
        PassThrough,
        /// <summary>The fragment was dropped and the RFCs ask for the ICMPv6 Parameter Problem given beside it.</summary>
        ParameterProblem,
    }

    private const int FragmentHeaderLength = 8;

    /// <summary>Bytes kept of a first fragment: what an ICMPv6 error quotes (RFC 4443 §3.3), which holds the unfragmentable part too.</summary>
    private const int FirstFragmentCapacity = IcmpV6Message.MaxErrorPacketLength - Ipv6Header.Length - IcmpV6Message.HeaderLength;

    private readonly ReassemblyTable<Key> _table;
    private readonly (int UnfragmentableLength, int NextHeaderField)[] _firstFragments;

    /// <summary>Creates an empty reassembler.</summary>
    public Ipv6Reassembler(ReassemblyOptions? options = null)
    {
        ReassemblyOptions bounds = options ?? new ReassemblyOptions();
        _table = new ReassemblyTable<Key>(bounds, bounds.Ipv6Timeout, Ipv6Packet.MaxPayloadLength, FirstFragmentCapacity);
        _firstFragments = new (int, int)[bounds.MaxDatagrams];
    }

    /// <summary>Packets being reassembled now.</summary>
    public int InProgress => _table.InProgress;

    /// <summary>
    /// Adds a packet whose header chain was walked into <paramref name="chain"/>. On
    /// <see cref="Outcome.Complete"/>, <paramref name="datagram"/> holds the reassembled packet: the first
    /// fragment's unfragmentable part, its Next Header taken from the fragment header, and the fragmentable
    /// part (RFC 8200 §4.5), owned by the caller. On <see cref="Outcome.ParameterProblem"/>,
    /// <paramref name="problem"/> is the message to send to the fragment's source, quoting it.
    /// <paramref name="evicted"/> counts fragments dropped, of this packet or of older ones to make room.
    /// </summary>
    public Outcome Add(Instant now, in Ipv6Packet fragment, in Ipv6HeaderChain chain, out PacketBuffer? datagram, out int evicted, out IcmpV6Message problem)
    {
        datagram = null;
        evicted = 0;
        problem = default;
        if (chain.Error != Ipv6ChainError.None)
        {
            // The walk has judged RFC 8200 §4.5's errors: a non-last fragment not a multiple of 8 bytes,
            // one reaching past 65535 bytes, a first fragment whose chain stops short.
            if (!chain.SendParameterProblem)
            {
                return Outcome.Dropped;
            }
            problem = IcmpV6Message.ParameterProblem(chain.ParameterProblemCode, (uint)chain.ParameterProblemPointer);
            return Outcome.ParameterProblem;
        }
        if (!chain.IsFragment)
        {
            return Outcome.PassThrough;
        }
        ReadOnlySpan<byte> packet = fragment.Buffer;
        bool first = chain.FragmentOffset == 0;
        if (first && chain.UpperLayerOffset + MinUpperLayerHeaderLength(chain.UpperLayer) > packet.Length)
        {
            // RFC 7112 §5, RFC 8200 §4.5: the first fragment holds the whole chain, upper-layer header included.
            problem = IcmpV6Message.ParameterProblem(IcmpV6ParameterProblemCode.IncompleteHeaderChain, 0);
            return Outcome.ParameterProblem;
        }
        Key key = new(fragment.Source, fragment.Destination, chain.FragmentIdentification);
        ReadOnlySpan<byte> data = packet[(chain.FragmentHeaderOffset + FragmentHeaderLength)..];
        ReassemblyTable<Key>.Step step = _table.Add(now, key, chain.FragmentOffset, data, chain.MoreFragments, packet,
            out ReassemblyTable<Key>.Slot? slot, out evicted);
        if (slot is null)
        {
            return (Outcome)step;
        }
        if (first && step is ReassemblyTable<Key>.Step.Pending or ReassemblyTable<Key>.Step.Complete)
        {
            _firstFragments[slot.Index] = (chain.FragmentHeaderOffset, chain.FragmentNextHeaderFieldOffset);
        }
        if (step != ReassemblyTable<Key>.Step.Complete)
        {
            return (Outcome)step;
        }
        datagram = Build(slot);
        int held = ReassemblyTable<Key>.Release(slot);
        if (datagram is null)
        {
            evicted += held;
            return Outcome.Dropped;
        }
        return Outcome.Complete;
    }

    /// <summary>The earliest timeout of a partial packet.</summary>
    public Instant? PollAt() => _table.PollAt();

    /// <summary>
    /// Drops packets whose time is up. For each one whose first fragment had arrived,
    /// <paramref name="onTimeout"/> gets that fragment as it came, as far as an ICMPv6 error quotes, so the
    /// caller can send Time Exceeded code 1 (RFC 8200 §4.5, RFC 4443 §3.3); the span is valid only during
    /// the call. Returns fragments dropped.
    /// </summary>
    public int Expire(Instant now, ReassemblyTimeoutHandler? onTimeout)
    {
        int dropped = 0;
        while (_table.TryFindExpired(now, out ReassemblyTable<Key>.Slot? slot))
        {
            if (slot.HaveFirst && onTimeout is not null)
            {
                onTimeout(slot.FirstFragment);
            }
            dropped += ReassemblyTable<Key>.Release(slot);
        }
        return dropped;
    }

    /// <summary>
    /// The upper-layer header bytes a first fragment must hold (RFC 7112 §5 names the whole header; Linux
    /// checks the same lengths): TCP's fixed header, UDP's, ICMPv6's type, code, checksum and first word.
    /// </summary>
    private static int MinUpperLayerHeaderLength(IpProtocol protocol) => protocol switch
    {
        IpProtocol.Tcp => TcpSegment.MinHeaderLength,
        IpProtocol.Udp => UdpHeader.Length,
        IpProtocol.IcmpV6 => IcmpV6Message.HeaderLength,
        _ => 0,
    };

    /// <summary>RFC 8200 §4.5: the first fragment's unfragmentable part, then the fragmentable part; null when that passes 65535 bytes.</summary>
    private PacketBuffer? Build(ReassemblyTable<Key>.Slot slot)
    {
        (int unfragmentable, int nextHeaderField) = _firstFragments[slot.Index];
        int payloadLength = unfragmentable - Ipv6Header.Length + slot.TotalLength;
        if (payloadLength > Ipv6Packet.MaxPayloadLength)
        {
            return null;
        }
        ReadOnlySpan<byte> first = slot.FirstFragment;
        PacketBuffer buffer = PacketBuffer.Rent(Ipv6Header.Length + payloadLength);
        Span<byte> span = buffer.Span;
        first[..unfragmentable].CopyTo(span);
        // The Next Header of the fragment header takes the fragment header's place in the chain.
        span[nextHeaderField] = first[unfragmentable];
        BinaryPrimitives.WriteUInt16BigEndian(span[Ipv6Packet.PayloadLengthOffset..], (ushort)payloadLength);
        slot.Data.AsSpan(0, slot.TotalLength).CopyTo(span[unfragmentable..]);
        return buffer;
    }

    private readonly record struct Key(Ipv6Address Source, Ipv6Address Destination, uint Identification);
}
