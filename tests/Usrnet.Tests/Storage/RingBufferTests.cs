using Usrnet.Storage;

namespace Usrnet.Tests.Storage;

// The ring rents its storage from the process-wide ArrayPool: a parallel test draining the pool would
// make RingBufferOperationsAllocateNothing allocate on this thread.
[Collection(AllocationMeasuringCollection.Name)]
public sealed class RingBufferTests
{
    private static byte[] Range(int start, int count) => [.. Enumerable.Range(start, count).Select(i => (byte)i)];

    private static byte[] DequeueAll(RingBuffer ring)
    {
        byte[] bytes = new byte[ring.Length];
        Assert.Equal(bytes.Length, ring.Dequeue(bytes));
        return bytes;
    }

    /// <summary>
    /// An empty ring of <paramref name="capacity"/> whose read position has moved to <paramref name="readAt"/>
    /// in an array of its capacity. One byte is held written ahead, as an out-of-order segment would be,
    /// so that draining the rest does not give the array back (which moves the read position to 0);
    /// the next write at offset 0 overwrites it.
    /// </summary>
    private static RingBuffer RingStartingAt(int capacity, int readAt)
    {
        var ring = new RingBuffer(capacity);
        ring.Enqueue(new byte[readAt]);
        ring.WriteUnallocated(0, [0xEE]);
        ring.DequeueAllocated(readAt);
        Assert.Equal(capacity, ring.StorageLength);
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
        Assert.Equal(0, ring.StorageLength);
        Assert.Equal(1, ring.Enqueue([42]));
        Assert.Equal(RingBuffer.MinStorageLength, ring.StorageLength);
        Assert.Equal(new byte[] { 42 }, DequeueAll(ring));
        Assert.Equal(0, ring.StorageLength);
        ring.Release();
    }

    [Fact]
    public void ARingGrowsItsStorageByDoublingAndKeepsItsBytesInOrderAcrossTheWrap()
    {
        var ring = new RingBuffer(100_000);
        ring.Enqueue(Range(0, 1500));
        Assert.Equal(2048, ring.StorageLength);
        byte[] front = new byte[1000];
        ring.Dequeue(front);                    // the read position is now 1000 of 2048
        ring.Enqueue(Range(1500, 1400));        // 1000 .. 2047, then 0 .. 851: wrapped
        Assert.Equal(2048, ring.StorageLength);
        Assert.Equal(1048, ring.GetReadableSpan().Length);

        ring.Enqueue(Range(2900, 3000));        // 4900 held: 8192, the wrapped bytes moved to the start in order

        Assert.Equal(8192, ring.StorageLength);
        Assert.Equal(4900, ring.GetReadableSpan().Length);
        Assert.Equal(Range(1000, 4900), DequeueAll(ring));
        Assert.Equal(0, ring.StorageLength);
    }

    [Fact]
    public void ARingKeepsBytesWrittenAheadWhileItGrowsAndUntilTheyAreRead()
    {
        // A receive ring: in-order data, then a segment beyond a hole that needs more than the array.
        var ring = new RingBuffer(65536);
        ring.Enqueue(Range(0, 100));
        Assert.Equal(3000, ring.WriteUnallocated(1900, Range(2000, 3000)));
        Assert.Equal(8192, ring.StorageLength);
        Assert.Equal(Range(0, 100), DequeueAll(ring));
        Assert.Equal(8192, ring.StorageLength); // nothing readable, but the segment is still held

        Assert.Equal(1900, ring.WriteUnallocated(0, Range(100, 1900))); // the hole fills
        ring.EnqueueUnallocated(4900);

        Assert.Equal(Range(100, 4900), DequeueAll(ring));
        Assert.Equal(0, ring.StorageLength);
    }

    [Fact]
    public void AnEmptiedRingGivesItsArrayBackAndItsNextFillStartsAtTheSizeTheLastOneReached()
    {
        var ring = new RingBuffer(1 << 20);
        for (int i = 0; i < 10; i++)
        {
            ring.Enqueue(Range(i, 10_000));
        }
        Assert.Equal(131_072, ring.StorageLength);
        DequeueAll(ring);
        Assert.Equal(0, ring.StorageLength);

        // A bulk transfer filling and draining its ring takes one array of the size it needs each time...
        ring.Enqueue(Range(0, 10));
        Assert.Equal(131_072, ring.StorageLength);
        DequeueAll(ring);
        // ...and a connection whose fills got small goes back to the smallest.
        ring.Enqueue(Range(0, 10));
        Assert.Equal(RingBuffer.MinStorageLength, ring.StorageLength);
        DequeueAll(ring);
        Assert.Equal(0, ring.StorageLength);
    }

    [Fact]
    public void ARingThatKeepsItsArrayWhenEmptyGivesItBackOnTrim()
    {
        var ring = new RingBuffer(1 << 20) { GivesBackWhenEmpty = false };
        ring.Enqueue(Range(0, 3000));
        ring.WriteUnallocated(10, Range(7, 5));
        Assert.Equal(4096, ring.StorageLength);
        DequeueAll(ring);

        ring.Trim(); // the bytes written ahead are still held: nothing to give back
        Assert.True(ring.HoldsData);
        Assert.Equal(4096, ring.StorageLength);
        ring.WriteUnallocated(0, Range(0, 10));
        ring.EnqueueUnallocated(15);
        Assert.Equal(Range(0, 10).Concat(Range(7, 5)).ToArray(), DequeueAll(ring));
        Assert.False(ring.HoldsData);
        Assert.Equal(4096, ring.StorageLength); // empty, but kept for the next fill...
        ring.Enqueue(Range(0, 4096));
        Assert.Equal(4096, ring.GetReadableSpan().Length); // ...which starts at the array's start
        DequeueAll(ring);

        ring.Trim();
        Assert.Equal(0, ring.StorageLength);
    }

    [Fact]
    public void GrowingTheCapacityAddsFreeSpaceButNoMemoryAndNeverLowersIt()
    {
        var ring = new RingBuffer(1000, 5000);
        ring.Enqueue(Range(0, 600));

        ring.GrowCapacity(3000);
        Assert.Equal(3000, ring.Capacity);
        Assert.Equal(2400, ring.Free);
        Assert.Equal(1000, ring.StorageLength); // the array of the 1000-byte ring, not yet grown
        ring.GrowCapacity(2000);
        Assert.Equal(3000, ring.Capacity);
        ring.GrowCapacity(1 << 20);
        Assert.Equal(5000, ring.Capacity);

        Assert.Equal(4400, ring.Enqueue(Range(0, 9999)));
        Assert.Equal(5000, ring.StorageLength);
        Assert.True(ring.IsFull);

        ring.Reset(1000);
        Assert.Equal(1000, ring.Capacity);
        Assert.Equal(0, ring.StorageLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Reset(5001));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBuffer(10, 9));
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
            AgreeWithTheModel(random, new RingBuffer(capacity), steps: 20_000, maxWrite: capacity + 3);
        }
    }

    [Fact]
    public void RingBufferAgreesWithAReferenceModelWhileItsStorageGrowsAndIsGivenBack()
    {
        // Rings larger than the smallest array, with writes of up to a third of them: the storage grows
        // (doubling, with wrapped and written-ahead bytes held), is given back when empty, and the
        // capacity itself is raised now and then (case 8), as TCP's autotuning does.
        var random = new Random(4242);
        foreach ((int capacity, int max) in new[] { (5000, 5000), (3000, 40_000), (RingBuffer.MinStorageLength + 1, 70_000) })
        {
            AgreeWithTheModel(random, new RingBuffer(capacity, max), steps: 3000, maxWrite: max / 3);
        }
    }

    private static void AgreeWithTheModel(Random random, RingBuffer ring, int steps, int maxWrite)
    {
        var model = new Model(ring.Capacity);
        byte next = 0;
        for (int step = 0; step < steps; step++)
        {
            int capacity = ring.Capacity;
            int size = random.Next(maxWrite);
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++)
            {
                data[i] = next++;
            }
            switch (random.Next(10))
            {
                case 0:
                    Assert.Equal(model.Enqueue(data), ring.Enqueue(data));
                    break;
                case 1:
                {
                    byte[] actual = new byte[size];
                    int count = ring.Dequeue(actual);
                    Assert.True(model.Matches(model.Dequeue(size), actual[..count]), "dequeue");
                    AssertGivenBackWhenItHoldsNothing(ring, model, count);
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
                    AssertGivenBackWhenItHoldsNothing(ring, model, count);
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
                    if (offset == 0)
                    {
                        // Filled in place, then made readable: bytes written through the span are
                        // kept only that way (the ring may give back or move an array otherwise).
                        int count = Math.Min(random.Next(span.Length + 1), size);
                        data.AsSpan(0, count).CopyTo(span);
                        ring.EnqueueUnallocated(count);
                        model.Enqueue(data[..count]);
                    }
                    break;
                }
                case 8 when random.Next(20) == 0:
                    ring.GrowCapacity(ring.Capacity + random.Next(ring.MaxCapacity / 4 + 1));
                    model.Capacity = ring.Capacity;
                    break;
                default:
                    if (random.Next(50) == 0)
                    {
                        ring.Clear();
                        model.Clear();
                    }
                    break;
            }
            Assert.Equal(model.Readable.Count, ring.Length);
            Assert.Equal(ring.Capacity - model.Readable.Count, ring.Free);
            Assert.Equal(model.Readable.Count == 0, ring.IsEmpty);
            Assert.Equal(model.Readable.Count == ring.Capacity, ring.IsFull);
            Assert.InRange(ring.StorageLength, ring.Length, ring.Capacity);
        }
    }

    /// <summary>A dequeue that left nothing readable and nothing written ahead gave the array back.</summary>
    private static void AssertGivenBackWhenItHoldsNothing(RingBuffer ring, Model model, int dequeued)
    {
        if (dequeued > 0 && model.HoldsNothing)
        {
            Assert.Equal(0, ring.StorageLength);
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

        public int Capacity { get; set; } = capacity;

        private readonly Dictionary<int, int> _unallocated = [];

        private int Free => Capacity - Readable.Count;

        /// <summary>Nothing readable and nothing written ahead.</summary>
        public bool HoldsNothing => Readable.Count == 0 && _unallocated.Count == 0;

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
