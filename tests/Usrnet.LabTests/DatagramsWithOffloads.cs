using System.Globalization;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// What is not TCP data still works with vnet-header offloads (<c>--offload on</c>): the kernel's ping,
/// also 4000 bytes fragmented both ways; UDP echo of datagrams within the MTU (checksums the kernel may
/// leave for the stack to check) and above it (fragmented by the kernel, reassembled by the stack,
/// echoed back fragmented and reassembled by the kernel); ICMP errors both ways (the stack's port
/// unreachable and TCP reset seen by the kernel, the kernel's time exceeded and port unreachable seen
/// by <c>usrnet traceroute</c>). After each, <c>nstat</c> shows no checksum error in the kernel.
/// </summary>
public sealed class DatagramsWithOffloads(ITestOutputHelper output)
{
    private const int EchoPort = 7;
    private const int ClosedPort = 9;
    private const int LargestUnfragmented = 1472; // 1500-byte MTU - 20 (IPv4) - 8 (UDP)
    private const int LargestDatagram = 8000; // six fragments on a 1500-byte MTU
    private const int PingCount = 5;
    private const int LargePing = 4000; // 4028-byte datagrams: three fragments each way
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] Offloads = [OffloadMode.Option, OffloadMode.On];
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly string Far = LabTopology.FarAddress.ToString();

    [LabFact("ping", "nstat")]
    public async Task KernelPingGetsEveryReplyEvenFragmented()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync(["up", .. Offloads]);
        KernelCounters before = await KernelCounters.ReadAsync(lab, lab.Namespace);

        ProcessResult small = await lab.RunAsync(lab.Namespace, ["ping", "-n", "-c", $"{PingCount}", "-i", "0.2", Stack], ToolTimeout);
        ProcessResult large = await lab.RunAsync(lab.Namespace, ["ping", "-n", "-c", $"{PingCount}", "-i", "0.2", "-s", $"{LargePing}", Stack], ToolTimeout);
        ProcessResult ended = await LabStack.StopStackAsync(stack);
        KernelCounters after = await KernelCounters.ReadAsync(lab, lab.Namespace);

        Assert.True(small.Succeeded, small.ToString());
        Assert.Equal(PingCount, ToolOutput.PingReceived(small.StandardOutput));
        Assert.True(large.Succeeded, large.ToString());
        Assert.Equal(PingCount, ToolOutput.PingReceived(large.StandardOutput));
        Assert.Contains($"{LargePing + 8} bytes from {Stack}", large.StandardOutput, StringComparison.Ordinal);
        LabStack.AssertStoppedBySigterm(ended);
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "DatagramsReassembled") >= PingCount, ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "FragmentsSent") >= 3 * PingCount, ended.StandardOutput);
        after.AssertGrewSince(before, "IpReasmOKs", PingCount);
        after.AssertGrewSince(before, "IcmpInEchoReps", 2 * PingCount);
        after.AssertNoChecksumErrorsSince(before);
    }

    [LabFact("ping", "nstat", LabScripts.Python)]
    public async Task UdpEchoReturnsDatagramsWithinAndAboveTheMtuByteIdentical()
    {
        const int Within = 300, Above = 100;
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await lab.StartStackAsync(["udp-echo", $"{EchoPort}", .. Offloads]);
        KernelCounters before = await KernelCounters.ReadAsync(lab, lab.Namespace);

        ProcessResult within = await RunUdpClientAsync(lab, Within, 1, LargestUnfragmented);
        ProcessResult above = await RunUdpClientAsync(lab, Above, LargestUnfragmented + 1, LargestDatagram);
        ProcessResult ended = await LabStack.StopStackAsync(echo);
        KernelCounters after = await KernelCounters.ReadAsync(lab, lab.Namespace);

        Assert.True(within.Succeeded, $"{within}\n\nudp-echo: {ended}");
        Assert.StartsWith($"{Within} of {Within} datagrams echoed (sizes 1-{LargestUnfragmented},", within.StandardOutput, StringComparison.Ordinal);
        Assert.True(above.Succeeded, $"{above}\n\nudp-echo: {ended}");
        Assert.StartsWith($"{Above} of {Above} datagrams echoed (sizes {LargestUnfragmented + 1}-{LargestDatagram},", above.StandardOutput, StringComparison.Ordinal);
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        Match echoed = Regex.Match(ended.StandardOutput, @"usrnet: echoed (?<n>\d+) datagrams");
        Assert.True(echoed.Success, ended.ToString());
        Assert.True(long.Parse(echoed.Groups["n"].Value, CultureInfo.InvariantCulture) >= Within + Above, ended.StandardOutput);
        // The kernel put the stack's echoes of the large ones back together, and took every echo.
        after.AssertGrewSince(before, "IpReasmOKs", Above);
        after.AssertGrewSince(before, "UdpInDatagrams", Within + Above);
        after.AssertNoChecksumErrorsSince(before);
    }

    [LabFact("ping", "nstat", LabScripts.Python)]
    public async Task ClosedPortsOnTheStackAnswerTheKernelWithPortUnreachableAndReset()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync(["up", .. Offloads]);
        KernelCounters before = await KernelCounters.ReadAsync(lab, lab.Namespace);

        ProcessResult udp = await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("udp_echo_client.py", Stack, $"{ClosedPort}", "--count", "2", "--timeout", "3"), ToolTimeout);
        ProcessResult tcp = await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("tcp_connect.py", Stack, $"{ClosedPort}", "--timeout", "10"), ToolTimeout);
        ProcessResult ended = await LabStack.StopStackAsync(stack);
        KernelCounters after = await KernelCounters.ReadAsync(lab, lab.Namespace);

        // udp_echo_client.py says "port unreachable" only for ECONNREFUSED, which the kernel reports for an ICMP port unreachable.
        Assert.Equal(1, udp.ExitCode);
        Assert.Contains("datagram 0: port unreachable", udp.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("datagram 1: port unreachable", udp.StandardOutput, StringComparison.Ordinal);
        Assert.True(tcp.Succeeded && tcp.StandardOutput.StartsWith("refused", StringComparison.Ordinal), tcp.ToString());
        LabStack.AssertStoppedBySigterm(ended);
        Assert.True(ToolOutput.Counter(ToolOutput.Counters(ended.StandardOutput), "IcmpErrorsSent") >= 2, ended.StandardOutput);
        after.AssertGrewSince(before, "IcmpInDestUnreachs", 2);
        after.AssertGrewSince(before, "TcpAttemptFails");
        after.AssertNoChecksumErrorsSince(before);
    }

    [LabFact("nstat")]
    public async Task StackTracerouteAndLargePingToTheFarHostThroughTheGateway()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        KernelCounters nearBefore = await KernelCounters.ReadAsync(lab, lab.Namespace);
        KernelCounters farBefore = await KernelCounters.ReadAsync(lab, lab.FarNamespace);

        ProcessResult trace = await lab.RunUsrnetAsync(["traceroute", Far, .. Offloads], ToolTimeout);
        ProcessResult ping = await lab.RunUsrnetAsync(["ping", "-c", "3", "-i", "0.2", "-s", $"{LargePing}", Far, .. Offloads], ToolTimeout);
        KernelCounters nearAfter = await KernelCounters.ReadAsync(lab, lab.Namespace);
        KernelCounters farAfter = await KernelCounters.ReadAsync(lab, lab.FarNamespace);

        // Hop 1 answers with ICMP time exceeded, hop 2 with port unreachable: the kernel's ICMP errors, read by the stack.
        Assert.True(trace.Succeeded, trace.ToString());
        IReadOnlyDictionary<int, IReadOnlyList<string>> hops = ToolOutput.TracerouteHops(trace.StandardOutput);
        Assert.Equal([1, 2], hops.Keys.Order());
        Assert.Equal(LabTopology.Gateway.ToString(), hops[1].FirstOrDefault());
        Assert.Equal(Far, hops[2].FirstOrDefault());
        Assert.True(ping.Succeeded, ping.ToString());
        Assert.Equal(3, ToolOutput.PingReceived(ping.StandardOutput));
        Assert.Contains($"{LargePing + 8} bytes from {Far}", ping.StandardOutput, StringComparison.Ordinal);
        farAfter.AssertGrewSince(farBefore, "IpReasmOKs", 3);
        nearAfter.AssertNoChecksumErrorsSince(nearBefore);
        farAfter.AssertNoChecksumErrorsSince(farBefore);
    }

    /// <summary>Runs udp_echo_client.py: COUNT datagrams of seeded bytes, sizes spread over LOW..HIGH, each resent up to 3 times if its echo is late.</summary>
    private static Task<ProcessResult> RunUdpClientAsync(Lab lab, int count, int low, int high) =>
        lab.RunAsync(
            lab.Namespace,
            LabScripts.PythonCommand("udp_echo_client.py", Stack, $"{EchoPort}", "--count", $"{count}", "--sizes", $"{low}-{high}", "--timeout", "0.5", "--retries", "3", "--seed", "2"),
            TimeSpan.FromSeconds(45));
}
