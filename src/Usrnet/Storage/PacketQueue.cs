namespace Usrnet.Storage;

/// <summary>
/// A bounded first-in first-out queue of variable-length packets, each with metadata, stored in two
/// fixed rings: one of <typeparamref name="TMetadata"/> and one of payload bytes. Nothing is allocated
/// after construction.
/// </summary>
/// <remarks>
/// Each payload occupies contiguous bytes so callers get a single span. When a payload does not fit
/// in the space left before the end of the ring, that space is skipped and charged to the packet until
/// it is dequeued (smoltcp's <c>PacketBuffer</c> does the same).
/// Ownership: the queue owns both rings; spans it hands out are valid until the next enqueue or dequeue.
/// Not thread-safe: owned by one socket, which is owned by the interface's poll thread.
/// </remarks>
/// <typeparam name="TMetadata">What travels with each packet (an endpoint, a TTL...).</typeparam>
internal sealed class PacketQueue<TMetadata>
{
    private readonly Entry[] _entries;
    private readonly byte[] _payload;
    private int _entryHead;
    private int _entryCount;
    private int _payloadHead;
    private int _payloadUsed;

    /// <summary>Creates a queue holding at most <paramref name="packetCapacity"/> packets and <paramref name="byteCapacity"/> payload bytes.</summary>
    public PacketQueue(int packetCapacity, int byteCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packetCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(byteCapacity);
        _entries = new Entry[packetCapacity];
        _payload = new byte[byteCapacity];
    }

    /// <summary>Number of packets queued.</summary>
    public int Count => _entryCount;

    /// <summary>True when no packet is queued.</summary>
    public bool IsEmpty => _entryCount == 0;

    /// <summary>Largest number of packets.</summary>
    public int PacketCapacity => _entries.Length;

    /// <summary>Size of the payload ring.</summary>
    public int ByteCapacity => _payload.Length;

    /// <summary>
    /// Reserves room for a packet of <paramref name="length"/> bytes and returns the span to fill;
    /// false (and nothing reserved) when the queue is full.
    /// </summary>
    public bool TryEnqueue(TMetadata metadata, int length, out Span<byte> payload)
    {
        payload = default;
        if (length < 0 || _entryCount == _entries.Length || !TryReserve(length, out int start, out int skipped))
        {
            return false;
        }
        _entries[(_entryHead + _entryCount) % _entries.Length] = new Entry(metadata, start, length, skipped);
        _entryCount++;
        _payloadUsed += skipped + length;
        payload = _payload.AsSpan(start, length);
        return true;
    }

    /// <summary>Enqueues a copy of <paramref name="data"/>; false when the queue is full.</summary>
    public bool TryEnqueue(TMetadata metadata, ReadOnlySpan<byte> data)
    {
        if (!TryEnqueue(metadata, data.Length, out Span<byte> payload))
        {
            return false;
        }
        data.CopyTo(payload);
        return true;
    }

    /// <summary>Shows the oldest packet without removing it.</summary>
    public bool TryPeek(out TMetadata metadata, out Span<byte> payload)
    {
        if (_entryCount == 0)
        {
            metadata = default!;
            payload = default;
            return false;
        }
        ref Entry e = ref _entries[_entryHead];
        metadata = e.Metadata;
        payload = _payload.AsSpan(e.Start, e.Length);
        return true;
    }

    /// <summary>Removes the oldest packet; false when empty.</summary>
    public bool TryDequeue()
    {
        if (_entryCount == 0)
        {
            return false;
        }
        ref Entry e = ref _entries[_entryHead];
        _payloadUsed -= e.Skipped + e.Length;
        _payloadHead = _payload.Length == 0 ? 0 : (e.Start + e.Length) % _payload.Length;
        e = default; // drop references held by metadata
        _entryHead = (_entryHead + 1) % _entries.Length;
        _entryCount--;
        if (_entryCount == 0)
        {
            // Empty: start again at the beginning so the next packet gets the longest contiguous run.
            _payloadHead = 0;
            _payloadUsed = 0;
        }
        return true;
    }

    /// <summary>Removes every packet.</summary>
    public void Clear()
    {
        while (TryDequeue())
        {
        }
    }

    private bool TryReserve(int length, out int start, out int skipped)
    {
        int capacity = _payload.Length;
        start = 0;
        skipped = 0;
        if (length == 0)
        {
            start = capacity == 0 ? 0 : (_payloadHead + _payloadUsed) % capacity;
            return true;
        }
        if (_payloadUsed + length > capacity)
        {
            return false;
        }
        int tail = (_payloadHead + _payloadUsed) % capacity;
        if (tail >= _payloadHead)
        {
            // Free space is [tail, capacity) and then [0, head).
            if (capacity - tail >= length)
            {
                start = tail;
                return true;
            }
            if (_payloadHead >= length)
            {
                skipped = capacity - tail;
                start = 0;
                return true;
            }
            return false;
        }
        // Free space is [tail, head).
        if (_payloadHead - tail >= length)
        {
            start = tail;
            return true;
        }
        return false;
    }

    private readonly record struct Entry(TMetadata Metadata, int Start, int Length, int Skipped);
}
