using Usrnet.Cli.Lab;
using Usrnet.Wire;

namespace Usrnet.LabTests;

/// <summary>
/// The kernel's IPv6 against <c>usrnet up --ipv6</c> on a tap that carries IPv6: ping -6 to the stack's
/// link-local address, neighbour discovery both ways, and duplicate address detection against an address the
/// kernel already holds.
/// </summary>
public sealed class KernelPingsTheStackOverIpv6(ITestOutputHelper output)
{
    private static readonly string LinkLocal = Ipv6Address.LinkLocalFromMac(LabTopology.StackMac).ToString();
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(20);

    [LabFact("ping")]
    public async Task KernelPingsTheLinkLocalAddressAndEachSideResolvesTheOther()
    {
        await using Lab lab = await Lab.CreateAsync(output, ipv6OnTap: true);
        BackgroundProcess stack = await lab.StartStackAsync("up", "--ipv6");
        Assert.True(await stack.WaitForOutputAsync($"IPv6 link-local {LinkLocal}%{lab.TapName}", ToolTimeout), stack.StandardOutput);
        // RFC 4862 §5.4: the address is used once DAD's RetransTimer (1 s) has passed.
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        ProcessResult ping = await lab.RunAsync(lab.Namespace, ["ping", "-6", "-n", "-c", "3", "-i", "0.5", $"{LinkLocal}%{lab.TapName}"], ToolTimeout);
        ProcessResult neighbours = (await lab.RunAsync(lab.Namespace, ["ip", "-6", "neigh", "show", "dev", lab.TapName])).EnsureSuccess();
        // The stack learned the kernel STALE from its solicitation and used it for the replies (DELAY); after
        // DELAY_FIRST_PROBE_TIME (5 s) it verifies the kernel with a unicast solicitation (RFC 4861 §7.3.3).
        await Task.Delay(TimeSpan.FromSeconds(6));
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        Assert.True(ping.Succeeded, ping.ToString());
        Assert.Equal(3, ToolOutput.PingReceived(ping.StandardOutput));
        Assert.Contains($"from {LinkLocal}%{lab.TapName}", ping.StandardOutput, StringComparison.Ordinal);
        Assert.Matches($@"{LinkLocal} lladdr {LabTopology.StackMac.ToString().ToLowerInvariant()} .*(REACHABLE|STALE|DELAY|PROBE)", neighbours.StandardOutput);
        LabStack.AssertNoException(ended);
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "EchoRepliesSent") >= 3, ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "NeighborAdvertisementsSent") >= 1, ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "NeighborSolicitationsSent") >= 2, ended.StandardOutput); // DAD's and the probe
        Assert.Equal(0, ToolOutput.Counter(counters, "DuplicateAddressesDetected"));
        Assert.Equal(0, ToolOutput.Counter(counters, "DroppedNeighborUnreachable"));
    }

    [LabFact("ping")]
    public async Task AnAddressTheKernelAlreadyHoldsIsDetectedAsDuplicateAndNotUsed()
    {
        await using Lab lab = await Lab.CreateAsync(output, ipv6OnTap: true);
        // The kernel claims the stack's link-local address first (nodad: at once).
        (await lab.RunAsync(lab.Namespace, ["ip", "addr", "add", $"{LinkLocal}/64", "dev", lab.TapName, "nodad"])).EnsureSuccess();
        BackgroundProcess stack = await lab.StartStackAsync("up", "--ipv6");
        await Task.Delay(TimeSpan.FromSeconds(2));
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        LabStack.AssertNoException(ended);
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        // The kernel defends its address with an advertisement to all-nodes (RFC 4862 §5.4.3); the stack never uses it.
        Assert.Equal(1, ToolOutput.Counter(counters, "DuplicateAddressesDetected"));
        Assert.Equal(0, ToolOutput.Counter(counters, "NeighborAdvertisementsSent"));
        Assert.Equal(0, ToolOutput.Counter(counters, "EchoRepliesSent"));
    }
}
