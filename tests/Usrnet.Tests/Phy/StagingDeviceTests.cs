using Usrnet.Phy;
using static Usrnet.Tests.Phy.TestFrames;

namespace Usrnet.Tests.Phy;

public sealed class StagingDeviceTests
{
    [Fact]
    public void FramesAreReceivedOnlyOnceStagedAndNoMoreThanTheBatch()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using StagingDevice staging = new(b);
        using (a)
        {
            for (int i = 0; i < 10; i++)
            {
                a.Transmit(Instant.Zero, Numbered(i));
            }
            Assert.Null(staging.Receive(Instant.Zero)); // nothing read from the inner device yet
            Assert.Equal(4, staging.Stage(Instant.Zero, 4));
            Assert.Equal(Instant.Zero, staging.PollAt(Instant.Zero)); // staged frames are work now
            Assert.Equal([0, 1, 2, 3], DrainNumbers(staging, Instant.Zero));
            Assert.Equal(6, staging.Stage(Instant.Zero, 100));
            Assert.Equal([4, 5, 6, 7, 8, 9], DrainNumbers(staging, Instant.Zero));
        }
    }

    [Fact]
    public void TransmittedFramesLeaveAtTheFlushInOrder()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using StagingDevice staging = new(a);
        using (b)
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.True(staging.Transmit(Instant.Zero, Numbered(i)));
            }
            Assert.Null(b.Receive(Instant.Zero)); // queued, not sent
            Assert.Equal(5, staging.Flush(Instant.Zero));
            Assert.Equal([0, 1, 2, 3, 4], DrainNumbers(b, Instant.Zero));
            Assert.Equal(0, staging.Flush(Instant.Zero));
        }
    }

    [Fact]
    public void FramesTheInnerDeviceRefusesAreCounted()
    {
        MemoryLink.CreatePair(out IDevice a, out IDevice b, queueCapacity: 2);
        using StagingDevice staging = new(a);
        using (b)
        {
            for (int i = 0; i < 5; i++)
            {
                staging.Transmit(Instant.Zero, Numbered(i));
            }
            Assert.Equal(2, staging.Flush(Instant.Zero));
            Assert.Equal(3, staging.TransmitDropped);
        }
    }
}
