using Usrnet.Storage;

namespace Usrnet.Tests.Storage;

public sealed class PacketQueueTests
{
    private static byte[] Fill(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    private static (int Metadata, byte[] Payload) Dequeue(PacketQueue<int> queue)
    {
        Assert.True(queue.TryPeek(out int metadata, out Span<byte> payload));
        byte[] copy = payload.ToArray();
        Assert.True(queue.TryDequeue());
        return (metadata, copy);
    }

    private static void AssertDequeue(PacketQueue<int> queue, int metadata, byte[] payload)
    {
        (int actualMetadata, byte[] actualPayload) = Dequeue(queue);
        Assert.Equal(metadata, actualMetadata);
        Assert.Equal(payload, actualPayload);
    }

    [Fact]
    public void PacketQueueReturnsPacketsInFifoOrderWithTheirMetadata()
    {
        var queue = new PacketQueue<string>(4, 64);

        Assert.True(queue.TryEnqueue("first", [1, 2, 3]));
        Assert.True(queue.TryEnqueue("second", [4]));
        Assert.True(queue.TryEnqueue("third", [5, 6]));

        Assert.Equal(3, queue.Count);
        foreach ((string metadata, byte[] payload) in new[] { ("first", new byte[] { 1, 2, 3 }), ("second", [4]), ("third", [5, 6]) })
        {
            Assert.True(queue.TryPeek(out string? peeked, out Span<byte> span));
            Assert.Equal(metadata, peeked);
            Assert.Equal(payload, span.ToArray());
            Assert.True(queue.TryDequeue());
        }
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void PacketQueuePeekDoesNotRemove()
    {
        var queue = new PacketQueue<int>(2, 8);
        Assert.True(queue.TryEnqueue(7, [9]));

        Assert.True(queue.TryPeek(out int first, out _));
        Assert.True(queue.TryPeek(out int second, out _));

        Assert.Equal(7, first);
        Assert.Equal(7, second);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void PacketQueueReservedSpanIsWhereThePacketLives()
    {
        var queue = new PacketQueue<int>(2, 8);

        Assert.True(queue.TryEnqueue(1, 3, out Span<byte> reserved));
        Assert.Equal(3, reserved.Length);
        reserved.Fill(0xAB);

        AssertDequeue(queue, 1, new byte[] { 0xAB, 0xAB, 0xAB });
    }

    [Fact]
    public void PacketQueueEmptyRefusesPeekAndDequeue()
    {
        var queue = new PacketQueue<int>(1, 8);

        Assert.False(queue.TryPeek(out int metadata, out Span<byte> payload));
        Assert.Equal(0, metadata);
        Assert.Equal(0, payload.Length);
        Assert.False(queue.TryDequeue());
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void PacketQueueIsFullByCount()
    {
        var queue = new PacketQueue<int>(3, 100);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(queue.TryEnqueue(i, [1]));
        }

        Assert.False(queue.TryEnqueue(3, [1]));
        Assert.False(queue.TryEnqueue(3, 0, out _));
        Assert.Equal(3, queue.Count);

        Assert.True(queue.TryDequeue());
        Assert.True(queue.TryEnqueue(3, [1]));
        Assert.Equal(3, queue.Count);
        Assert.Equal(1, Dequeue(queue).Metadata);
        Assert.Equal(2, Dequeue(queue).Metadata);
        Assert.Equal(3, Dequeue(queue).Metadata);
    }

    [Fact]
    public void PacketQueueIsFullByBytes()
    {
        var queue = new PacketQueue<int>(10, 10);

        Assert.True(queue.TryEnqueue(1, Fill(6, 1)));
        Assert.False(queue.TryEnqueue(2, Fill(5, 2)));
        Assert.True(queue.TryEnqueue(3, Fill(4, 3)));
        Assert.False(queue.TryEnqueue(4, Fill(1, 4)));

        Assert.Equal(2, queue.Count);
        AssertDequeue(queue, 1, Fill(6, 1));
        AssertDequeue(queue, 3, Fill(4, 3));
    }

    [Fact]
    public void PacketQueueRefusesAPacketLargerThanTheRing()
    {
        var queue = new PacketQueue<int>(2, 10);

        Assert.False(queue.TryEnqueue(1, Fill(11, 1)));
        Assert.True(queue.TryEnqueue(1, Fill(10, 1)));
    }

    [Fact]
    public void PacketQueueRefusesANegativeLength()
    {
        var queue = new PacketQueue<int>(2, 10);

        Assert.False(queue.TryEnqueue(1, -1, out _));
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void PacketQueueWrapsAroundSkippingTheTailSoThePayloadStaysContiguous()
    {
        var queue = new PacketQueue<int>(8, 10);
        Assert.True(queue.TryEnqueue(1, Fill(4, 1))); // [0, 4)
        Assert.True(queue.TryEnqueue(2, Fill(4, 2))); // [4, 8)
        AssertDequeue(queue, 1, Fill(4, 1)); // free: [8, 10) and [0, 4)

        // Three bytes do not fit in [8, 10): the two tail bytes are skipped, the packet goes to [0, 3).
        Assert.True(queue.TryEnqueue(3, 3, out Span<byte> wrapped));
        Assert.Equal(3, wrapped.Length);
        wrapped.Fill(3);

        // The skipped bytes stay charged: only [3, 4) is free now.
        Assert.False(queue.TryEnqueue(4, Fill(2, 4)));
        Assert.True(queue.TryEnqueue(4, Fill(1, 4)));
        Assert.False(queue.TryEnqueue(5, Fill(1, 5)));

        AssertDequeue(queue, 2, Fill(4, 2)); // frees [4, 8)
        Assert.True(queue.TryEnqueue(5, Fill(4, 5)));
        Assert.False(queue.TryEnqueue(6, Fill(1, 6)));

        AssertDequeue(queue, 3, Fill(3, 3)); // frees [0, 3) and the skipped [8, 10)
        Assert.True(queue.TryEnqueue(6, Fill(2, 6)));  // [8, 10)
        Assert.True(queue.TryEnqueue(7, Fill(3, 7)));  // [0, 3)
        Assert.False(queue.TryEnqueue(8, Fill(1, 8)));

        AssertDequeue(queue, 4, Fill(1, 4));
        AssertDequeue(queue, 5, Fill(4, 5));
        AssertDequeue(queue, 6, Fill(2, 6));
        AssertDequeue(queue, 7, Fill(3, 7));
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void PacketQueueRefusesAPacketThatFitsOnlyInTwoPieces()
    {
        var queue = new PacketQueue<int>(8, 10);
        Assert.True(queue.TryEnqueue(1, Fill(4, 1)));
        Assert.True(queue.TryEnqueue(2, Fill(4, 2)));
        Assert.True(queue.TryDequeue()); // six bytes free, but as [8, 10) and [0, 4)

        Assert.False(queue.TryEnqueue(3, Fill(5, 3)));
        Assert.Equal(1, queue.Count);
        Assert.True(queue.TryEnqueue(3, Fill(4, 3)));
    }

    [Fact]
    public void PacketQueueStartsAgainAtTheBeginningOnceEmpty()
    {
        var queue = new PacketQueue<int>(8, 10);
        Assert.True(queue.TryEnqueue(1, Fill(7, 1)));
        Assert.True(queue.TryDequeue());

        // Were the ring not reset, only [7, 10) and [0, 7) would be free.
        Assert.True(queue.TryEnqueue(2, Fill(10, 2)));
        AssertDequeue(queue, 2, Fill(10, 2));
    }

    [Fact]
    public void PacketQueueHoldsZeroLengthPacketsEvenWhenTheBytesAreFull()
    {
        var queue = new PacketQueue<int>(4, 4);
        Assert.True(queue.TryEnqueue(1, Fill(4, 1)));

        Assert.True(queue.TryEnqueue(2, []));
        Assert.True(queue.TryEnqueue(3, 0, out Span<byte> empty));
        Assert.Equal(0, empty.Length);

        AssertDequeue(queue, 1, Fill(4, 1));
        AssertDequeue(queue, 2, Array.Empty<byte>());
        Assert.True(queue.TryEnqueue(4, Fill(4, 4)));
        AssertDequeue(queue, 3, Array.Empty<byte>());
        AssertDequeue(queue, 4, Fill(4, 4));
    }

    [Fact]
    public void PacketQueueWithNoBytesHoldsOnlyZeroLengthPackets()
    {
        var queue = new PacketQueue<int>(2, 0);

        Assert.False(queue.TryEnqueue(1, [1]));
        Assert.True(queue.TryEnqueue(1, []));
        Assert.True(queue.TryEnqueue(2, []));
        Assert.False(queue.TryEnqueue(3, []));

        AssertDequeue(queue, 1, Array.Empty<byte>());
        AssertDequeue(queue, 2, Array.Empty<byte>());
    }

    [Fact]
    public void PacketQueueClearEmptiesTheQueueAndFreesEveryByte()
    {
        var queue = new PacketQueue<string>(4, 10);
        Assert.True(queue.TryEnqueue("a", Fill(3, 1)));
        Assert.True(queue.TryEnqueue("b", Fill(3, 2)));
        Assert.True(queue.TryDequeue());
        Assert.True(queue.TryEnqueue("c", Fill(4, 3)));

        queue.Clear();

        Assert.True(queue.IsEmpty);
        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryPeek(out _, out _));
        Assert.True(queue.TryEnqueue("d", Fill(10, 4)));
    }

    [Fact]
    public void PacketQueueReportsItsCapacities()
    {
        var queue = new PacketQueue<int>(3, 100);

        Assert.Equal(3, queue.PacketCapacity);
        Assert.Equal(100, queue.ByteCapacity);
    }

    [Fact]
    public void PacketQueueRefusesACapacityBelowOnePacketOrNegativeBytes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacketQueue<int>(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacketQueue<int>(1, -1));
    }

    [Theory]
    [InlineData(1, 8, 17)]
    [InlineData(8, 100, 1)]
    [InlineData(16, 1000, 2)]
    [InlineData(4, 64, 3)]
    [InlineData(32, 50, 4)]
    public void PacketQueueBehavesLikeAQueueWithAByteBudget(int packetCapacity, int byteCapacity, int seed)
    {
        var random = new Random(seed);
        var queue = new PacketQueue<int>(packetCapacity, byteCapacity);
        var model = new Queue<(int Metadata, byte[] Payload)>();
        int modelBytes = 0;
        int next = 0;
        int accepted = 0;
        for (int step = 0; step < 50_000; step++)
        {
            int op = random.Next(100);
            if (op < 55)
            {
                int length = random.Next(3) == 0 ? 0 : random.Next(1, byteCapacity / 2 + 2);
                byte[] data = new byte[length];
                random.NextBytes(data);
                bool wasEmpty = model.Count == 0;
                if (queue.TryEnqueue(next, data))
                {
                    model.Enqueue((next, data));
                    modelBytes += length;
                    accepted++;
                    Assert.True(model.Count <= packetCapacity);
                    Assert.True(modelBytes <= byteCapacity);
                }
                else
                {
                    // Refusing is allowed only when the count is full, the bytes do not fit at all,
                    // or (for a non-empty packet) the free bytes are split.
                    bool countFull = model.Count == packetCapacity;
                    bool bytesFull = modelBytes + length > byteCapacity;
                    Assert.True(countFull || bytesFull || (length > 0 && !wasEmpty), $"step {step}: refused {length} bytes with {model.Count} packets and {modelBytes} bytes queued");
                }
                next++;
            }
            else if (op < 95)
            {
                if (model.Count == 0)
                {
                    Assert.False(queue.TryPeek(out _, out _));
                    Assert.False(queue.TryDequeue());
                    continue;
                }
                (int metadata, byte[] payload) = model.Dequeue();
                modelBytes -= payload.Length;
                AssertDequeue(queue, metadata, payload);
            }
            else if (op < 99)
            {
                Assert.Equal(model.Count, queue.Count);
                Assert.Equal(model.Count == 0, queue.IsEmpty);
            }
            else
            {
                queue.Clear();
                model.Clear();
                modelBytes = 0;
            }
        }
        // Whatever was accepted drains back in order.
        while (model.Count > 0)
        {
            (int metadata, byte[] payload) = model.Dequeue();
            AssertDequeue(queue, metadata, payload);
        }
        Assert.True(queue.IsEmpty);
        Assert.True(accepted > 1000, $"only {accepted} packets accepted");
    }
}
