using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// The kernel's own tools (iputils ping and arping, Linux traceroute) against <c>usrnet up</c> on the
/// lab's tap: ARP, ICMP echo (also fragmented both ways), and UDP port unreachable as traceroute's answer.
/// </summary>
public sealed class KernelPingsTheStack(ITestOutputHelper output)
{
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(20);

    [LabFact("ping")]
    public async Task KernelPingGetsEveryReplyEvenFragmentedAndTheStackCountsThemOnExit()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync();

        ProcessResult small = await lab.RunAsync(lab.Namespace, ["ping", "-n", "-c", "5", "-i", "0.2", Stack], ToolTimeout);
        ProcessResult large = await lab.RunAsync(lab.Namespace, ["ping", "-n", "-c", "5", "-i", "0.2", "-s", "4000", Stack], ToolTimeout);
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        Assert.True(small.Succeeded, small.ToString());
        Assert.Equal(5, ToolOutput.PingReceived(small.StandardOutput));
        Assert.True(large.Succeeded, large.ToString());
        Assert.Equal(5, ToolOutput.PingReceived(large.StandardOutput));
        Assert.Contains("4008 bytes from 10.0.0.102", large.StandardOutput, StringComparison.Ordinal);

        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "EchoRepliesSent") >= 10, ended.StandardOutput);
        // 4000 bytes of data: 4028-byte datagrams, three fragments each way on a 1500-byte MTU.
        Assert.True(ToolOutput.Counter(counters, "DatagramsReassembled") >= 5, ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "FragmentsSent") >= 15, ended.StandardOutput);
    }

    [LabFact("arping")]
    public async Task KernelArpingGetsAReplyToEveryProbeWithTheStacksMac()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await using BackgroundProcess stack = await lab.StartStackAsync();

        ProcessResult arping = await lab.RunAsync(lab.Namespace, ["arping", "-c", "3", "-I", lab.TapName, Stack], ToolTimeout);

        Assert.True(arping.Succeeded, arping.ToString());
        Assert.Contains("Received 3 response", arping.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"[{LabTopology.StackMac}]", arping.StandardOutput, StringComparison.OrdinalIgnoreCase);
    }

    [LabFact("traceroute")]
    public async Task KernelTracerouteFromTheTapSideFindsTheStackAtHopOne()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await using BackgroundProcess stack = await lab.StartStackAsync();

        ProcessResult trace = await lab.RunAsync(lab.Namespace, ["traceroute", "-n", Stack], ToolTimeout);

        Assert.True(trace.Succeeded, trace.ToString());
        IReadOnlyDictionary<int, IReadOnlyList<string>> hops = ToolOutput.TracerouteHops(trace.StandardOutput);
        Assert.Equal([1], hops.Keys);
        Assert.Equal(Stack, hops[1].FirstOrDefault());
        Assert.DoesNotMatch(new Regex(@"![A-Z<]"), trace.StandardOutput);
    }

    [LabFact("traceroute")]
    public async Task KernelTracerouteFromTheFarHostFindsTheRouterThenTheStack()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await using BackgroundProcess stack = await lab.StartStackAsync();

        ProcessResult trace = await lab.RunAsync(lab.FarNamespace, ["traceroute", "-n", Stack], ToolTimeout);

        Assert.True(trace.Succeeded, trace.ToString());
        IReadOnlyDictionary<int, IReadOnlyList<string>> hops = ToolOutput.TracerouteHops(trace.StandardOutput);
        Assert.Equal([1, 2], hops.Keys.Order());
        Assert.Equal(LabTopology.RouterCidr.Address.ToString(), hops[1].FirstOrDefault());
        Assert.Equal(Stack, hops[2].FirstOrDefault());
        Assert.DoesNotMatch(new Regex(@"![A-Z<]"), trace.StandardOutput);
    }
}
