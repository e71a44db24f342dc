using Usrnet.Storage;

namespace Usrnet.Tests.Storage;

public sealed class RingBufferTests
{
    private static byte[] Range(int start, int count) => [.. Enumerable.Range(start, count).Select(i => (byte)i)];

    private static byte[] DequeueAll(RingBuffer ring)
    {
        byte[] bytes = new byte[ring.Length];
        Assert.Equal(bytes.Length, ring.Dequeue(bytes));
        return bytes;
    }

    /// <summary>A ring of <paramref name="capacity"/> whose read position has moved to <paramref name="readAt"/>.</summary>
    private static RingBuffer RingStartingAt(int capacity, int readAt)
    {
        var ring = new RingBuffer(capacity);
        ring.Enqueue(new byte[readAt]);
        ring.DequeueAllocated(readAt);
        return ring;
    }

    [Fact]
    public void ARingTakesItsArrayOnlyAtTheFirstWrite()
    {
        const int capacity = 1 << 20;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ring = new RingBuffer(capacity);
        long constructed = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(capacity, ring.Capacity);
        Assert.Equal(capacity, ring.Free);
        Assert.InRange(constructed, 0, 1024);
        Assert.Equal(1, ring.Enqueue([42]));
        Assert.Equal(new byte[] { 42 }, DequeueAll(ring));
        ring.Release();
    }

    [Fact]
    public void ARingOfAPooledArrayWrapsAtItsCapacityNotAtTheArraysEnd()
    {
        // 1000 bytes rent a 1024-byte array: the ring must still wrap after 1000.
        var ring = RingStartingAt(1000, 990);
        Assert.Equal(20, ring.Enqueue(Range(0, 20)));
        Assert.Equal(10, ring.GetReadableSpan().Length); // 990..999, then the wrap
        Assert.Equal(Range(0, 20), DequeueAll(ring));
        ring.Release();
    }

    [Fact]
    public void AReleasedRingHoldsNothingAndTakesNothing()
    {
        var ring = RingStartingAt(10, 7);
        ring.Enqueue(Range(0, 5));

        ring.Release();

        Assert.Equal(0, ring.Capacity);
        Assert.Equal(0, ring.Length);
        Assert.Equal(0, ring.Free);
        Assert.True(ring.IsEmpty);
        Assert.Equal(0, ring.Enqueue(Range(0, 3)));
        Assert.Equal(0, ring.Dequeue(new byte[3]));
    }

    [Fact]
    public void RingBufferStartsEmpty()
    {
        var ring = new RingBuffer(10);

        Assert.Equal(10, ring.Capacity);
        Assert.Equal(0, ring.Length);
        Assert.Equal(10, ring.Free);
        Assert.True(ring.IsEmpty);
        Assert.False(ring.IsFull);
        Assert.True(ring.GetReadableSpan().IsEmpty);
        Assert.Equal(10, ring.GetWritableSpan().Length);
    }

    [Fact]
    public void RingBufferEnqueueCopiesAsMuchAsFits()
    {
        var ring = new RingBuffer(5);

        Assert.Equal(3, ring.Enqueue(Range(1, 3)));
        Assert.Equal(2, ring.Enqueue(Range(4, 3)));
        Assert.Equal(0, ring.Enqueue(Range(7, 1)));

        Assert.True(ring.IsFull);
        Assert.Equal(0, ring.Free);
        Assert.Equal(Range(1, 5), DequeueAll(ring));
    }

    [Fact]
    public void RingBufferDequeueReturnsBytesInOrderAcrossTheWrap()
    {
        var ring = RingStartingAt(7, 5);

        Assert.Equal(6, ring.Enqueue(Range(10, 6)));
        byte[] first = new byte[4];
        Assert.Equal(4, ring.Dequeue(first));
        Assert.Equal(3, ring.Enqueue(Range(16, 3)));

        Assert.Equal(Range(10, 4), first);
        Assert.Equal(Range(14, 5), DequeueAll(ring));
        Assert.Equal(0, ring.Dequeue(new byte[3]));
    }

    [Fact]
    public void RingBufferDequeueIntoAShortBufferTakesOnlyThatMuch()
    {
        var ring = new RingBuffer(8);
        ring.Enqueue(Range(0, 8));
        byte[] two = new byte[2];

        Assert.Equal(2, ring.Dequeue(two));

        Assert.Equal(Range(0, 2), two);
        Assert.Equal(6, ring.Length);
    }

    [Fact]
    public void RingBufferPeekReadsAtAnOffsetWithoutConsuming()
    {
        var ring = RingStartingAt(10, 8);
        ring.Enqueue(Range(0, 9)); // occupies 8, 9, 0 .. 6
        byte[] destination = new byte[4];

        Assert.Equal(4, ring.Peek(1, destination));
        Assert.Equal(Range(1, 4), destination);
        Assert.Equal(3, ring.Peek(6, destination));
        Assert.Equal(Range(6, 3), destination[..3]);
        Assert.Equal(0, ring.Peek(9, destination));
        Assert.Equal(0, ring.Peek(100, destination));
        Assert.Equal(9, ring.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Peek(-1, destination));
    }

    [Fact]
    public void RingBufferWriteUnallocatedBecomesReadableOnlyWhenEnqueued()
    {
        var ring = RingStartingAt(10, 6);
        ring.Enqueue(Range(0, 2));

        // An out-of-order segment three bytes past the end, across the wrap.
        Assert.Equal(4, ring.WriteUnallocated(3, Range(5, 4)));
        Assert.Equal(2, ring.Length);
        // The hole before it.
        Assert.Equal(3, ring.WriteUnallocated(0, Range(2, 3)));
        ring.EnqueueUnallocated(7);

        Assert.Equal(Range(0, 9), DequeueAll(ring));
    }

    [Fact]
    public void RingBufferWriteUnallocatedStopsAtTheFreeSpace()
    {
        var ring = new RingBuffer(8);
        ring.Enqueue(Range(0, 3));

        Assert.Equal(2, ring.WriteUnallocated(3, Range(50, 10)));
        Assert.Equal(0, ring.WriteUnallocated(5, Range(50, 1)));
        Assert.Equal(0, ring.WriteUnallocated(9, Range(50, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.WriteUnallocated(-1, Range(50, 1)));
        Assert.Equal(3, ring.Length);
    }

    [Fact]
    public void RingBufferKeepsUnallocatedBytesWhenItEmpties()
    {
        // The receive side: in-order data is read out while an out-of-order segment waits in free space.
        var ring = new RingBuffer(8);
        ring.Enqueue(Range(0, 3));
        Assert.Equal(2, ring.WriteUnallocated(2, Range(5, 2)));
        Assert.Equal(Range(0, 3), DequeueAll(ring));
        Assert.True(ring.IsEmpty);

        Assert.Equal(2, ring.Enqueue(Range(3, 2)));
        ring.EnqueueUnallocated(2);

        Assert.Equal(Range(3, 4), DequeueAll(ring));
    }

    [Fact]
    public void RingBufferDequeueAllocatedDiscardsAcknowledgedBytes()
    {
        var ring = new RingBuffer(6);
        ring.Enqueue(Range(0, 6));

        ring.DequeueAllocated(4);

        Assert.Equal(2, ring.Length);
        Assert.Equal(Range(4, 2), DequeueAll(ring));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.DequeueAllocated(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.DequeueAllocated(-1));
    }

    [Fact]
    public void RingBufferEnqueueUnallocatedRefusesMoreThanTheFreeSpace()
    {
        var ring = new RingBuffer(4);
        ring.Enqueue(Range(0, 1));

        Assert.Throws<ArgumentOutOfRangeException>(() => ring.EnqueueUnallocated(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.EnqueueUnallocated(-1));
        ring.EnqueueUnallocated(3);
        Assert.True(ring.IsFull);
    }

    [Fact]
    public void RingBufferReadableSpanIsTheContiguousRunAtAnOffset()
    {
        var ring = RingStartingAt(10, 7);
        ring.Enqueue(Range(0, 8)); // 7, 8, 9 then 0 .. 4

        Assert.Equal(Range(0, 3), ring.GetReadableSpan().ToArray());
        Assert.Equal(Range(1, 2), ring.GetReadableSpan(1).ToArray());
        Assert.Equal(Range(3, 5), ring.GetReadableSpan(3).ToArray());
        Assert.Equal(Range(6, 2), ring.GetReadableSpan(6).ToArray());
        Assert.True(ring.GetReadableSpan(8).IsEmpty);
        Assert.True(ring.GetReadableSpan(50).IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.GetReadableSpan(-1));
    }

    [Fact]
    public void RingBufferWritableSpanFillsInPlace()
    {
        var ring = RingStartingAt(10, 4);
        ring.Enqueue(Range(0, 3)); // 4 .. 6; free is 7 .. 9 then 0 .. 3

        Span<byte> first = ring.GetWritableSpan();
        Assert.Equal(3, first.Length);
        Range(3, 3).CopyTo(first);
        ring.EnqueueUnallocated(3);
        Span<byte> second = ring.GetWritableSpan();
        Assert.Equal(4, second.Length);
        Range(6, 4).CopyTo(second);
        ring.EnqueueUnallocated(4);

        Assert.True(ring.GetWritableSpan().IsEmpty);
        Assert.Equal(Range(0, 10), DequeueAll(ring));
    }

    [Fact]
    public void RingBufferWritableSpanAtAnOffsetSkipsTheHole()
    {
        var ring = RingStartingAt(10, 4);
        ring.Enqueue(Range(0, 3));

        Assert.Equal(1, ring.GetWritableSpan(2).Length);
        Assert.Equal(4, ring.GetWritableSpan(3).Length);
        Assert.Equal(1, ring.GetWritableSpan(6).Length);
        Assert.True(ring.GetWritableSpan(7).IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.GetWritableSpan(-1));
    }

    [Fact]
    public void RingBufferClearDiscardsEverything()
    {
        var ring = RingStartingAt(5, 3);
        ring.Enqueue(Range(0, 4));

        ring.Clear();

        Assert.True(ring.IsEmpty);
        Assert.Equal(5, ring.GetWritableSpan().Length);
    }

    [Fact]
    public void RingBufferOfZeroCapacityHoldsNothing()
    {
        var ring = new RingBuffer(0);

        Assert.True(ring.IsEmpty);
        Assert.True(ring.IsFull);
        Assert.Equal(0, ring.Enqueue(Range(0, 3)));
        Assert.Equal(0, ring.Dequeue(new byte[3]));
        Assert.Equal(0, ring.WriteUnallocated(0, Range(0, 3)));
        Assert.True(ring.GetReadableSpan().IsEmpty);
        Assert.True(ring.GetWritableSpan().IsEmpty);
        ring.EnqueueUnallocated(0);
        ring.DequeueAllocated(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBuffer(-1));
    }

    [Fact]
    public void RingBufferAgreesWithAReferenceModelUnderRandomOperations()
    {
        var random = new Random(1337);
        foreach (int capacity in new[] { 1, 2, 3, 7, 10, 16, 31, 64, 100 })
        {
            var ring = new RingBuffer(capacity);
            var model = new Model(capacity);
            byte next = 0;
            for (int step = 0; step < 20_000; step++)
            {
                int size = random.Next(capacity + 3);
                byte[] data = new byte[size];
                for (int i = 0; i < size; i++)
                {
                    data[i] = next++;
                }
                switch (random.Next(9))
                {
                    case 0:
                        Assert.Equal(model.Enqueue(data), ring.Enqueue(data));
                        break;
                    case 1:
                    {
                        byte[] actual = new byte[size];
                        int count = ring.Dequeue(actual);
                        Assert.True(model.Matches(model.Dequeue(size), actual[..count]), "dequeue");
                        break;
                    }
                    case 2:
                    {
                        int offset = random.Next(capacity + 2);
                        byte[] actual = new byte[size];
                        int count = ring.Peek(offset, actual);
                        Assert.True(model.Matches(model.Readable.Skip(offset).Take(size), actual[..count]), $"peek {offset}");
                        break;
                    }
                    case 3:
                    {
                        int offset = random.Next(capacity + 2);
                        Assert.Equal(model.WriteUnallocated(offset, data), ring.WriteUnallocated(offset, data));
                        break;
                    }
                    case 4:
                    {
                        int count = random.Next(ring.Free + 1);
                        ring.EnqueueUnallocated(count);
                        model.EnqueueUnallocated(count);
                        break;
                    }
                    case 5:
                    {
                        int count = random.Next(ring.Length + 1);
                        ring.DequeueAllocated(count);
                        model.Dequeue(count);
                        break;
                    }
                    case 6:
                    {
                        int offset = random.Next(capacity + 2);
                        ReadOnlySpan<byte> span = ring.GetReadableSpan(offset);
                        Assert.Equal(offset < model.Readable.Count, !span.IsEmpty);
                        Assert.True(model.Matches(model.Readable.Skip(offset).Take(span.Length), span.ToArray()), $"readable span {offset}");
                        break;
                    }
                    case 7:
                    {
                        int offset = random.Next(capacity + 2);
                        Span<byte> span = ring.GetWritableSpan(offset);
                        Assert.Equal(offset < ring.Free, !span.IsEmpty);
                        Assert.InRange(span.Length, 0, Math.Max(0, ring.Free - offset));
                        int count = random.Next(span.Length + 1);
                        data.AsSpan(0, Math.Min(count, size)).CopyTo(span);
                        model.WriteUnallocated(offset, data.AsSpan(0, Math.Min(count, size)).ToArray());
                        break;
                    }
                    default:
                        if (random.Next(50) == 0)
                        {
                            ring.Clear();
                            model.Clear();
                        }
                        break;
                }
                Assert.Equal(model.Readable.Count, ring.Length);
                Assert.Equal(capacity - model.Readable.Count, ring.Free);
                Assert.Equal(model.Readable.Count == 0, ring.IsEmpty);
                Assert.Equal(model.Readable.Count == capacity, ring.IsFull);
            }
        }
    }

    [Fact]
    public void RingBufferOperationsAllocateNothing()
    {
        var ring = new RingBuffer(1000);
        byte[] chunk = Range(0, 333);
        byte[] into = new byte[333];
        void Churn(int count)
        {
            for (int i = 0; i < count; i++)
            {
                ring.Enqueue(chunk);
                ring.WriteUnallocated(10, chunk);
                ring.EnqueueUnallocated(ring.Free / 2);
                ring.Peek(5, into);
                _ = ring.GetReadableSpan(7);
                _ = ring.GetWritableSpan(3);
                ring.DequeueAllocated(ring.Length / 2);
                ring.Dequeue(into);
            }
        }
        Churn(100);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Churn(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    /// <summary>
    /// The ring as two sequences: readable bytes, and bytes written to free space by offset past the end
    /// of the readable ones (-1 where nothing was written since, so the ring may hold anything there).
    /// </summary>
    private sealed class Model(int capacity)
    {
        public List<int> Readable { get; } = [];

        private readonly Dictionary<int, int> _unallocated = [];

        private int Free => capacity - Readable.Count;

        public int Enqueue(byte[] data)
        {
            int count = WriteUnallocated(0, data);
            EnqueueUnallocated(count);
            return count;
        }

        public List<int> Dequeue(int max)
        {
            int count = Math.Min(max, Readable.Count);
            List<int> taken = Readable.GetRange(0, count);
            Readable.RemoveRange(0, count);
            return taken;
        }

        public int WriteUnallocated(int offset, byte[] data)
        {
            if (offset >= Free)
            {
                return 0;
            }
            int count = Math.Min(data.Length, Free - offset);
            for (int i = 0; i < count; i++)
            {
                _unallocated[offset + i] = data[i];
            }
            return count;
        }

        public void EnqueueUnallocated(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Readable.Add(_unallocated.TryGetValue(i, out int value) ? value : -1);
            }
            var shifted = _unallocated.Where(p => p.Key >= count).ToDictionary(p => p.Key - count, p => p.Value);
            _unallocated.Clear();
            foreach ((int key, int value) in shifted)
            {
                _unallocated[key] = value;
            }
        }

        public void Clear()
        {
            Readable.Clear();
            _unallocated.Clear();
        }

        public bool Matches(IEnumerable<int> expected, byte[] actual)
        {
            int[] e = [.. expected];
            return e.Length == actual.Length && e.Zip(actual).All(p => p.First == -1 || p.First == p.Second);
        }
    }
}
