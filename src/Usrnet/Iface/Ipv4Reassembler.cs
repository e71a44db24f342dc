using System.Buffers;
using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>
/// Reassembles IPv4 datagrams from fragments (RFC 791 §3.2, RFC 815) within fixed memory: at most
/// <see cref="ReassemblyOptions.MaxDatagrams"/> datagrams, each at most 65535 bytes and
/// <see cref="ReassemblyOptions.MaxFragmentsPerDatagram"/> fragments.
/// </summary>
/// <remarks>
/// Overlaps: an exact duplicate of a fragment already held is ignored (a retransmission or a duplicating
/// link); any other overlap drops the whole datagram. Overlapping fragments have no legitimate use and
/// are the tool of evasion attacks (RFC 1858; Linux and RFC 5722 for IPv6 do the same).
/// Ownership: the payload arrays are rented from <see cref="ArrayPool{T}"/> and returned when a datagram
/// completes, times out or is dropped; a completed datagram is handed out as a new <see cref="PacketBuffer"/>.
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
    private readonly ReassemblyOptions _options;
    private readonly Slot[] _slots;

    /// <summary>Creates an empty reassembler.</summary>
    public Ipv4Reassembler(ReassemblyOptions? options = null)
    {
        _options = options ?? new ReassemblyOptions();
        _slots = new Slot[_options.MaxDatagrams];
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot(_options.MaxFragmentsPerDatagram);
        }
    }

    /// <summary>Datagrams being reassembled now.</summary>
    public int InProgress => _slots.Count(s => s.InUse);

    /// <summary>
    /// Adds a fragment (a packet with MF set or a non-zero offset whose header checksum was verified).
    /// On <see cref="Outcome.Complete"/>, <paramref name="datagram"/> holds the whole datagram with a
    /// fresh 20-byte header, owned by the caller. <paramref name="evicted"/> counts fragments of older
    /// datagrams dropped to make room.
    /// </summary>
    public Outcome Add(Instant now, in Ipv4Packet fragment, out PacketBuffer? datagram, out int evicted)
    {
        datagram = null;
        evicted = 0;
        int start = fragment.FragmentOffset;
        int length = fragment.Payload.Length;
        int end = start + length;
        Key key = new(fragment.Source, fragment.Destination, fragment.Protocol, fragment.Identification);
        Slot? slot = Find(key);
        // RFC 791: every fragment but the last carries a multiple of 8 bytes; nothing may end past 65535.
        if ((fragment.MoreFragments && (length == 0 || (length & 7) != 0)) || end > MaxPayload)
        {
            if (slot is not null)
            {
                evicted = slot.Count;
                slot.Release();
            }
            return Outcome.Dropped;
        }
        if (slot is null)
        {
            slot = FreeSlot(out evicted);
            slot.Take(key, now + _options.Timeout);
        }
        if (!fragment.MoreFragments)
        {
            if ((slot.TotalLength >= 0 && slot.TotalLength != end) || slot.MaxEnd > end)
            {
                evicted += slot.Count;
                slot.Release();
                return Outcome.Dropped;
            }
            slot.TotalLength = end;
        }
        else if (slot.TotalLength >= 0 && end > slot.TotalLength)
        {
            evicted += slot.Count;
            slot.Release();
            return Outcome.Dropped;
        }
        switch (slot.Insert(start, end))
        {
            case InsertResult.Duplicate:
                return Outcome.Duplicate;
            case InsertResult.Rejected:
                evicted += slot.Count;
                slot.Release();
                return Outcome.Dropped;
        }
        fragment.Payload.CopyTo(slot.Data.AsSpan(start));
        if (start == 0)
        {
            fragment.Header.CopyTo(slot.FirstHeader);
            slot.FirstHeaderLength = fragment.HeaderLength;
            slot.HaveFirst = true;
        }
        if (!slot.IsComplete)
        {
            return Outcome.Pending;
        }
        datagram = slot.Build();
        slot.Release();
        return Outcome.Complete;
    }

    /// <summary>The earliest timeout of a partial datagram.</summary>
    public Instant? PollAt()
    {
        Instant? next = null;
        foreach (Slot s in _slots)
        {
            if (s.InUse)
            {
                next = Instant.Min(next, s.Deadline);
            }
        }
        return next;
    }

    /// <summary>
    /// Drops datagrams whose time is up. For each one whose first fragment had arrived,
    /// <paramref name="onTimeout"/> gets its IPv4 header and first 8 data bytes, so the caller can send
    /// Time Exceeded (RFC 1122 §3.3.2); the span is valid only during the call. Returns fragments dropped.
    /// </summary>
    public int Expire(Instant now, ReassemblyTimeoutHandler? onTimeout)
    {
        int dropped = 0;
        Span<byte> quote = stackalloc byte[Ipv4Packet.MaxHeaderLength + 8];
        foreach (Slot s in _slots)
        {
            if (s.InUse && s.Deadline <= now)
            {
                if (s.HaveFirst && onTimeout is not null)
                {
                    // RFC 792: the header (options included) and the first 8 data bytes.
                    int headerLength = s.FirstHeaderLength;
                    s.FirstHeader.AsSpan(0, headerLength).CopyTo(quote);
                    int dataBytes = Math.Min(8, s.ContiguousFromZero);
                    s.Data.AsSpan(0, dataBytes).CopyTo(quote[headerLength..]);
                    onTimeout(quote[..(headerLength + dataBytes)]);
                }
                dropped += s.Count;
                s.Release();
            }
        }
        return dropped;
    }

    private Slot? Find(Key key)
    {
        foreach (Slot s in _slots)
        {
            if (s.InUse && s.Key == key)
            {
                return s;
            }
        }
        return null;
    }

    private Slot FreeSlot(out int evicted)
    {
        evicted = 0;
        Slot oldest = _slots[0];
        foreach (Slot s in _slots)
        {
            if (!s.InUse)
            {
                return s;
            }
            if (s.Deadline < oldest.Deadline)
            {
                oldest = s;
            }
        }
        evicted = oldest.Count;
        oldest.Release();
        return oldest;
    }

    private readonly record struct Key(Ipv4Address Source, Ipv4Address Destination, IpProtocol Protocol, ushort Identification);

    private enum InsertResult
    {
        Inserted,
        Duplicate,
        Rejected,
    }

    private sealed class Slot(int maxFragments)
    {
        private readonly (int Start, int End)[] _fragments = new (int, int)[maxFragments];

        public bool InUse;
        public Key Key;
        public Instant Deadline;
        public int TotalLength = -1;
        public int Count;
        public bool HaveFirst;
        public byte[] Data = [];
        public readonly byte[] FirstHeader = new byte[Ipv4Packet.MaxHeaderLength];
        public int FirstHeaderLength;

        public int MaxEnd => Count == 0 ? 0 : _fragments[Count - 1].End;

        public void Take(Key key, Instant deadline)
        {
            InUse = true;
            Key = key;
            Deadline = deadline;
            TotalLength = -1;
            Count = 0;
            HaveFirst = false;
            Data = ArrayPool<byte>.Shared.Rent(MaxPayload);
        }

        public void Release()
        {
            if (InUse)
            {
                ArrayPool<byte>.Shared.Return(Data);
                Data = [];
                InUse = false;
                Count = 0;
            }
        }

        /// <summary>Inserts [start, end) keeping the list sorted by start.</summary>
        public InsertResult Insert(int start, int end)
        {
            int i = 0;
            while (i < Count && _fragments[i].Start < start)
            {
                i++;
            }
            if (i < Count && _fragments[i].Start == start && _fragments[i].End == end)
            {
                return InsertResult.Duplicate;
            }
            bool overlapsPrevious = i > 0 && _fragments[i - 1].End > start;
            bool overlapsNext = i < Count && _fragments[i].Start < end;
            if (overlapsPrevious || overlapsNext || Count == _fragments.Length)
            {
                return InsertResult.Rejected;
            }
            Array.Copy(_fragments, i, _fragments, i + 1, Count - i);
            _fragments[i] = (start, end);
            Count++;
            return InsertResult.Inserted;
        }

        /// <summary>Bytes received without a hole from offset 0.</summary>
        public int ContiguousFromZero
        {
            get
            {
                int reached = 0;
                for (int i = 0; i < Count && _fragments[i].Start == reached; i++)
                {
                    reached = _fragments[i].End;
                }
                return reached;
            }
        }

        public bool IsComplete => TotalLength >= 0 && ContiguousFromZero == TotalLength;

        public PacketBuffer Build()
        {
            PacketBuffer buffer = PacketBuffer.Rent(Ipv4Packet.MinHeaderLength + TotalLength);
            Span<byte> span = buffer.Span;
            Ipv4Address source = Ipv4Address.Read(FirstHeader.AsSpan(12));
            Ipv4Address destination = Ipv4Address.Read(FirstHeader.AsSpan(16));
            new Ipv4Header(source, destination, (IpProtocol)FirstHeader[9], TotalLength, FirstHeader[8])
            {
                Identification = Key.Identification,
                TypeOfService = FirstHeader[1],
            }.WriteTo(span);
            Data.AsSpan(0, TotalLength).CopyTo(span[Ipv4Packet.MinHeaderLength..]);
            return buffer;
        }
    }
}

/// <summary>Receives the quoted header of a datagram whose reassembly timed out.</summary>
/// <param name="quotedHeaderAndData">The first fragment's IPv4 header and up to 8 data bytes.</param>
internal delegate void ReassemblyTimeoutHandler(ReadOnlySpan<byte> quotedHeaderAndData);
