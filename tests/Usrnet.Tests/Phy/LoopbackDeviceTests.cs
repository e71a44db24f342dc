using System.Diagnostics;
using Usrnet.Phy;
using static Usrnet.Tests.Phy.TestFrames;

namespace Usrnet.Tests.Phy;

public sealed class LoopbackDeviceTests
{
    [Fact]
    public void ALoopbackDeviceReceivesWhatItTransmitsInOrder()
    {
        using LoopbackDevice loopback = new();

        loopback.Transmit(Instant.Zero, Numbered(1, length: 100));
        loopback.Transmit(Instant.Zero, Numbered(2));

        Assert.Equal([NumberedBytes(1, 100), NumberedBytes(2)], DrainBytes(loopback, Instant.Zero));
        Assert.Equal(2, loopback.Counters.FramesTransmitted);
        Assert.Equal(2, loopback.Counters.FramesReceived);
        Assert.Equal(160, loopback.Counters.BytesReceived);
    }

    [Fact]
    public void ALoopbackDeviceDropsBeyondItsCapacity()
    {
        using LoopbackDevice loopback = new(queueCapacity: 2);

        Assert.True(loopback.Transmit(Instant.Zero, Numbered(1)));
        Assert.True(loopback.Transmit(Instant.Zero, Numbered(2)));
        Assert.False(loopback.Transmit(Instant.Zero, Numbered(3)));

        Assert.Equal([1, 2], DrainNumbers(loopback, Instant.Zero));
        Assert.Equal(1, loopback.Counters.TransmitDropped);
    }

    [Fact]
    public void ALoopbackDeviceWaitReturnsAtOnceWhenItHasAFrame()
    {
        using LoopbackDevice loopback = new();
        loopback.Transmit(Instant.Zero, Numbered(1));

        Stopwatch clock = Stopwatch.StartNew();
        loopback.Wait(TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Wait took {clock.Elapsed}");
    }

    [Fact]
    public void ALoopbackDeviceWaitReturnsOnWakeFromAnotherThread()
    {
        using LoopbackDevice loopback = new();
        Thread waker = new(() =>
        {
            Thread.Sleep(50);
            loopback.Wake();
        });
        Stopwatch clock = Stopwatch.StartNew();
        waker.Start();

        loopback.Wait(null);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Wait took {clock.Elapsed}");
        waker.Join();
    }

    [Fact]
    public void InvalidQueueCapacitiesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoopbackDevice(queueCapacity: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryLink(queueCapacity: -1));
    }
}
