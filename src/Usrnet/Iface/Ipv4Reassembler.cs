using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>
/// Reassembles IPv4 datagrams from fragments (RFC 791 §3.2, RFC 815) within fixed memory: at most
/// <see cref="ReassemblyOptions.MaxDatagrams"/> datagrams, each at most 65535 bytes and
/// <see cref="ReassemblyOptions.MaxFragmentsPerDatagram"/> fragments. The key is RFC 791's (source,
/// destination, protocol, identification); holes, overlaps and bounds are <see cref="ReassemblyTable{TKey}"/>'s.
/// </summary>
/// <remarks>
/// Ownership: a completed datagram is handed out as a new <see cref="PacketBuffer"/> the caller disposes.
/// </remarks>
internal sealed class Ipv4Reassembler
{
    /// <summary>Result of <see cref="Add"/>.</summary>
    public enum Outcome
    {
        /// <summary>Held; the datagram is not complete yet.</summary>
        Pending,
        /// <summary>The datagram is complete.</summary>
        Complete,
        /// <summary>An exact duplicate of a held fragment; ignored.</summary>
        Duplicate,
        /// <summary>The fragment, and the datagram it belongs to, were dropped.</summary>
        Dropped,
    }

    private const int MaxPayload = Ipv4Packet.MaxLength - Ipv4Packet.MinHeaderLength;
    private readonly ReassemblyTable<Key> _table;

    /// <summary>Creates an empty reassembler.</summary>
    public Ipv4Reassembler(ReassemblyOptions? options = null)
    {
        ReassemblyOptions bounds = options ?? new ReassemblyOptions();
        _table = new ReassemblyTable<Key>(bounds, bounds.Timeout, MaxPayload, Ipv4Packet.MaxHeaderLength);
    }

    /// <summary>Datagrams being reassembled now.</summary>
    public int InProgress => _table.InProgress;

    /// <summary>
    /// Adds a fragment (a packet with MF set or a non-zero offset whose header checksum was verified).
    /// On <see cref="Outcome.Complete"/>, <paramref name="datagram"/> holds the whole datagram with a
    /// fresh 20-byte header, owned by the caller. <paramref name="evicted"/> counts fragments of older
    /// datagrams dropped to make room.
    /// </summary>
    public Outcome Add(Instant now, in Ipv4Packet fragment, out PacketBuffer? datagram, out int evicted)
    {
        datagram = null;
        Key key = new(fragment.Source, fragment.Destination, fragment.Protocol, fragment.Identification);
        ReassemblyTable<Key>.Step step = _table.Add(now, key, fragment.FragmentOffset, fragment.Payload, fragment.MoreFragments,
            fragment.Header, out ReassemblyTable<Key>.Slot? slot, out evicted);
        if (step == ReassemblyTable<Key>.Step.Complete && slot is not null)
        {
            datagram = Build(slot);
            ReassemblyTable<Key>.Release(slot);
        }
        return (Outcome)step;
    }

    /// <summary>The earliest timeout of a partial datagram.</summary>
    public Instant? PollAt() => _table.PollAt();

    /// <summary>
    /// Drops datagrams whose time is up. For each one whose first fragment had arrived,
    /// <paramref name="onTimeout"/> gets its IPv4 header and first 8 data bytes, so the caller can send
    /// Time Exceeded (RFC 1122 §3.3.2); the span is valid only during the call. Returns fragments dropped.
    /// </summary>
    public int Expire(Instant now, ReassemblyTimeoutHandler? onTimeout)
    {
        int dropped = 0;
        Span<byte> quote = stackalloc byte[Ipv4Packet.MaxHeaderLength + 8];
        while (_table.TryFindExpired(now, out ReassemblyTable<Key>.Slot? s))
        {
            if (s.HaveFirst && onTimeout is not null)
            {
                // RFC 792: the header (options included) and the first 8 data bytes.
                ReadOnlySpan<byte> header = s.FirstFragment;
                header.CopyTo(quote);
                int dataBytes = Math.Min(8, s.ContiguousFromZero);
                s.Data.AsSpan(0, dataBytes).CopyTo(quote[header.Length..]);
                onTimeout(quote[..(header.Length + dataBytes)]);
            }
            dropped += ReassemblyTable<Key>.Release(s);
        }
        return dropped;
    }

    private static PacketBuffer Build(ReassemblyTable<Key>.Slot slot)
    {
        int total = slot.TotalLength;
        ReadOnlySpan<byte> first = slot.FirstFragment;
        PacketBuffer buffer = PacketBuffer.Rent(Ipv4Packet.MinHeaderLength + total);
        Span<byte> span = buffer.Span;
        new Ipv4Header(Ipv4Address.Read(first[12..]), Ipv4Address.Read(first[16..]), (IpProtocol)first[9], total, first[8])
        {
            Identification = slot.Key.Identification,
            TypeOfService = first[1],
        }.WriteTo(span);
        slot.Data.AsSpan(0, total).CopyTo(span[Ipv4Packet.MinHeaderLength..]);
        return buffer;
    }

    private readonly record struct Key(Ipv4Address Source, Ipv4Address Destination, IpProtocol Protocol, ushort Identification);
}

/// <summary>Receives the quote of a datagram whose reassembly timed out, for an ICMP Time Exceeded.</summary>
/// <param name="quotedHeaderAndData">
/// What the error quotes of the first fragment: for IPv4 its header and up to 8 data bytes (RFC 792), for
/// IPv6 the fragment as it came, as far as an ICMPv6 error holds (RFC 4443 §3.3).
/// </param>
internal delegate void ReassemblyTimeoutHandler(ReadOnlySpan<byte> quotedHeaderAndData);
