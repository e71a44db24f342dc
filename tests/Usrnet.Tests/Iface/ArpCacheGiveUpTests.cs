using Usrnet.Iface;
using Usrnet.Wire;

namespace Usrnet.Tests.Iface;

public sealed class ArpCacheGiveUpTests : IDisposable
{
    private static readonly Ipv4Address Neighbor = new(10, 0, 0, 101);
    private readonly RecordingArpCacheHost _host = new();

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData(3.0)]
    [InlineData(3.5)]
    [InlineData(3.999)]
    public void ArpCacheSendWithinOneSecondOfGivingUpFailsAtOnceWithoutARequest(double seconds)
    {
        var cache = new ArpCache();
        cache.Send(Instant.FromSeconds(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);
        cache.Poll(Instant.FromSeconds(1), _host);
        cache.Poll(Instant.FromSeconds(2), _host);
        cache.Poll(Instant.FromSeconds(3), _host); // gives up

        cache.Send(Instant.FromSeconds(seconds), Neighbor, RecordingArpCacheHost.Frame(2), _host);

        Assert.Equal(3, _host.Requests.Count);
        Assert.Equal([1, 2], _host.Unreachable.Select(u => u.Frame));
        Assert.Equal(0, cache.ParkedCount);
    }
}
