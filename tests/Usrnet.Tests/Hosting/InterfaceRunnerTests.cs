using Usrnet.Hosting;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Tests.Hosting;

/// <summary>The runner's clock: its time is the <see cref="TimeProvider"/>'s, and so are the deadlines its waits end at.</summary>
public sealed class InterfaceRunnerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public void NowIsTheTimeProvidersClockInMicroseconds()
    {
        ManualClock clock = new();
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using InterfaceRunner runner = new(new Interface(a, new InterfaceOptions { Address = Ipv4Cidr.Parse("10.0.0.1/24") }), new InterfaceRunnerOptions { TimeProvider = clock });
        Instant before = runner.Now;
        clock.Advance(TimeSpan.FromMilliseconds(1500));
        Assert.Equal(before + TimeSpan.FromMilliseconds(1500), runner.Now);
        b.Dispose();
    }

    [Fact]
    public async Task AWaitOnAFakeClockEndsWhenThatClockReachesTheDeadlineAndNotBefore()
    {
        ManualClock clock = new();
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using InterfaceRunner runner = new(new Interface(a, new InterfaceOptions { Address = Ipv4Cidr.Parse("10.0.0.1/24") }), new InterfaceRunnerOptions { TimeProvider = clock });
        Instant deadline = runner.Now + TimeSpan.FromSeconds(3);
        Task waiting = Task.Factory.StartNew(() => runner.Wait(deadline), TaskCreationOptions.LongRunning);

        clock.Advance(TimeSpan.FromSeconds(2));
        // Not a timing assertion: two seconds of the fake clock are not the deadline, so the wait is still on.
        Assert.False(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await waiting.WaitAsync(Limit);
        Assert.True(runner.Now >= deadline);
        b.Dispose();
    }

    [Fact]
    public void AWaitForADeadlineThatHasPassedReturnsAtOnce()
    {
        ManualClock clock = new();
        MemoryLink.CreatePair(out IDevice a, out IDevice b);
        using InterfaceRunner runner = new(new Interface(a, new InterfaceOptions()), new InterfaceRunnerOptions { TimeProvider = clock });
        runner.Wait(runner.Now);
        Assert.Null(runner.PollAt(runner.Now));
        b.Dispose();
    }
}
