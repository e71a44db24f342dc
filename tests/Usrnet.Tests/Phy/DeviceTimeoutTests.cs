using Usrnet.Phy;

namespace Usrnet.Tests.Phy;

public sealed class DeviceTimeoutTests
{
    [Fact]
    public void TimeoutsRoundUpToWholeMillisecondsSoAShortDeadlineIsNotASpin()
    {
        Assert.Equal(1, DeviceTimeout.ToMilliseconds(TimeSpan.FromMicroseconds(300)));
        Assert.Equal(2, DeviceTimeout.ToMilliseconds(TimeSpan.FromMicroseconds(1001)));
        Assert.Equal(5, DeviceTimeout.ToMilliseconds(TimeSpan.FromMilliseconds(5)));
    }

    [Fact]
    public void NullAndInfiniteWaitWithoutLimitAndNegativeTimeoutsDoNotWait()
    {
        Assert.Equal(DeviceTimeout.Infinite, DeviceTimeout.ToMilliseconds(null));
        Assert.Equal(DeviceTimeout.Infinite, DeviceTimeout.ToMilliseconds(Timeout.InfiniteTimeSpan));
        Assert.Equal(0, DeviceTimeout.ToMilliseconds(TimeSpan.FromSeconds(-3)));
        Assert.Equal(0, DeviceTimeout.ToMilliseconds(TimeSpan.Zero));
        Assert.Equal(int.MaxValue, DeviceTimeout.ToMilliseconds(TimeSpan.MaxValue));
    }

    [Fact]
    public void TheShorterOfTwoTimeoutsTreatsNullAndInfiniteAsNoLimit()
    {
        TimeSpan second = TimeSpan.FromSeconds(1);
        Assert.Equal(second, DeviceTimeout.Min(null, second));
        Assert.Equal(second, DeviceTimeout.Min(Timeout.InfiniteTimeSpan, second));
        Assert.Equal(second, DeviceTimeout.Min(second, TimeSpan.FromSeconds(2)));
        Assert.Null(DeviceTimeout.Min(null, Timeout.InfiniteTimeSpan));
    }
}
