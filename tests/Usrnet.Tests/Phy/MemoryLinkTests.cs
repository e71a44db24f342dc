using System.Diagnostics;
using Usrnet.Phy;
using static Usrnet.Tests.Phy.TestFrames;

namespace Usrnet.Tests.Phy;

[Collection(AllocationMeasuringCollection.Name)]
public sealed class MemoryLinkTests
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(10);

    [Fact]
    public void WhatOneEndTransmitsTheOtherReceivesInOrder()
    {
        MemoryLink link = MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using (a)
        using (b)
        {
            for (int i = 0; i < 100; i++)
            {
                Assert.True(a.Transmit(Instant.Zero, Numbered(i)));
            }

            Assert.Equal(Enumerable.Range(0, 100), DrainNumbers(b, Instant.Zero));
            Assert.Null(a.Receive(Instant.Zero));
            Assert.Equal(100, link.CountersA.FramesTransmitted);
            Assert.Equal(100, link.CountersB.FramesReceived);
            Assert.Equal(100L * MinimumLength, link.CountersB.BytesReceived);
        }
    }

    [Fact]
    public void FramesArriveWithTheirBytesUnchanged()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using (a)
        using (b)
        {
            a.Transmit(Instant.Zero, Numbered(7, length: 1514));

            Assert.Equal([NumberedBytes(7, 1514)], DrainBytes(b, Instant.Zero));
        }
    }

    [Fact]
    public void TheTwoDirectionsAreIndependent()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using (a)
        using (b)
        {
            a.Transmit(Instant.Zero, Numbered(1));
            b.Transmit(Instant.Zero, Numbered(2));
            a.Transmit(Instant.Zero, Numbered(3));

            Assert.Equal([1, 3], DrainNumbers(b, Instant.Zero));
            Assert.Equal([2], DrainNumbers(a, Instant.Zero));
        }
    }

    [Fact]
    public void TransmitsBeyondTheQueueCapacityAreDroppedAndCounted()
    {
        MemoryLink link = MemoryLink.CreatePair(out IDevice a, out IDevice b, queueCapacity: 4);
        using (a)
        using (b)
        {
            bool[] accepted = [.. Enumerable.Range(0, 6).Select(i => a.Transmit(Instant.Zero, Numbered(i)))];

            Assert.Equal([true, true, true, true, false, false], accepted);
            Assert.Equal(2, link.CountersA.TransmitDropped);
            Assert.Equal(4, link.CountersA.FramesTransmitted);
            Assert.Equal([0, 1, 2, 3], DrainNumbers(b, Instant.Zero));

            // Receiving made room again.
            Assert.True(a.Transmit(Instant.Zero, Numbered(6)));
            Assert.Equal([6], DrainNumbers(b, Instant.Zero));
        }
    }

    [Fact]
    public void EndsReportTheCapabilitiesTheLinkWasGiven()
    {
        DeviceCapabilities jumbo = new() { Mtu = 9000, MaxSegmentLength = 9000 };
        MemoryLink link = new(capabilities: jumbo);
        using (link.A)
        using (link.B)
        {
            Assert.Same(jumbo, link.A.Capabilities);
            Assert.Same(jumbo, link.B.Capabilities);
            Assert.Null(link.A.PollAt(Instant.Zero));
        }
    }

    [Fact]
    public void FramesCrossThreadsInOrderAndNoneIsLost()
    {
        const int count = 20_000;
        MemoryLink.CreatePair(out IDevice a, out IDevice b, queueCapacity: 64);
        using (a)
        using (b)
        {
            Thread producer = new(() =>
            {
                for (int i = 0; i < count; i++)
                {
                    // A full queue drops the frame; a sender that must not lose it tries again.
                    while (!a.Transmit(Instant.Zero, Numbered(i)))
                    {
                        Thread.Yield();
                    }
                }
            });
            List<int> received = new(count);
            Thread consumer = new(() =>
            {
                Stopwatch clock = Stopwatch.StartNew();
                while (received.Count < count && clock.Elapsed < s_long)
                {
                    b.Wait(TimeSpan.FromMilliseconds(100));
                    received.AddRange(DrainNumbers(b, Instant.Zero));
                }
            });

            consumer.Start();
            producer.Start();
            producer.Join();
            consumer.Join();

            Assert.Equal(Enumerable.Range(0, count), received);
        }
    }

    [Fact]
    public void WaitReturnsWhenThePeerTransmitsFromAnotherThread()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using (a)
        using (b)
        {
            Thread sender = new(() =>
            {
                Thread.Sleep(50);
                a.Transmit(Instant.Zero, Numbered(1));
            });
            Stopwatch clock = Stopwatch.StartNew();
            sender.Start();

            b.Wait(s_long);

            Assert.True(clock.Elapsed < s_long / 2, $"Wait took {clock.Elapsed}");
            sender.Join();
            Assert.Equal([1], DrainNumbers(b, Instant.Zero));
        }
    }

    [Fact]
    public void WaitReturnsOnWakeFromAnotherThread()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using (a)
        using (b)
        {
            Thread waker = new(() =>
            {
                Thread.Sleep(50);
                b.Wake();
            });
            Stopwatch clock = Stopwatch.StartNew();
            waker.Start();

            b.Wait(s_long);

            Assert.True(clock.Elapsed < s_long / 2, $"Wait took {clock.Elapsed}");
            waker.Join();
        }
    }

    [Fact]
    public void AWakeBeforeWaitMakesTheNextWaitReturnAtOnceAndOnlyThatOne()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using (a)
        using (b)
        {
            b.Wake();
            Stopwatch clock = Stopwatch.StartNew();
            b.Wait(s_long);
            Assert.True(clock.Elapsed < s_long / 2, $"Wait took {clock.Elapsed}");

            clock.Restart();
            b.Wait(TimeSpan.FromMilliseconds(50));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(40), $"the wake-up was used twice: {clock.Elapsed}");
        }
    }

    [Fact]
    public void WaitReturnsAtOnceWhenAFrameIsAlreadyQueued()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using (a)
        using (b)
        {
            a.Transmit(Instant.Zero, Numbered(1));
            b.Wait(TimeSpan.Zero); // consumes the signal but leaves the frame

            Stopwatch clock = Stopwatch.StartNew();
            b.Wait(s_long);

            Assert.True(clock.Elapsed < s_long / 2, $"Wait took {clock.Elapsed}");
        }
    }

    [Fact]
    public void WaitWithNothingToDoReturnsAfterItsTimeout()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using (a)
        using (b)
        {
            Stopwatch clock = Stopwatch.StartNew();
            b.Wait(TimeSpan.FromMilliseconds(30));

            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(25), $"Wait took {clock.Elapsed}");
        }
    }

    [Fact]
    public void FramesSentToADisposedEndAreDropped()
    {
        MemoryLink link = MemoryLink.CreatePair(out IDevice a, out IDevice b);
        a.Transmit(Instant.Zero, Numbered(1));
        b.Dispose();

        Assert.False(a.Transmit(Instant.Zero, Numbered(2)));
        Assert.Equal(1, link.CountersA.TransmitDropped);
        Assert.Throws<ObjectDisposedException>(() => b.Receive(Instant.Zero));
        a.Dispose();
        a.Dispose();
    }

    [Fact]
    public void SteadyStateTransmitAndReceiveDoNotAllocate()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using (a)
        using (b)
        {
            void RoundTrips(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    a.Transmit(Instant.Zero, PacketBuffer.Rent(1514));
                    b.Receive(Instant.Zero)!.Dispose();
                    b.Transmit(Instant.Zero, PacketBuffer.Rent(60));
                    a.Wait(TimeSpan.Zero);
                    a.Receive(Instant.Zero)!.Dispose();
                }
            }
            RoundTrips(1000);

            long before = GC.GetAllocatedBytesForCurrentThread();
            RoundTrips(10_000);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, allocated);
        }
    }
}
