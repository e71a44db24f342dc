using System.Diagnostics;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// The stack's own tools (<c>usrnet ping</c>, <c>arping</c>, <c>traceroute</c>, <c>udp-cat</c>) run on the
/// lab's tap against the kernel: the tap's address, the far host through the gateway, and addresses
/// nobody answers for. Each gets its own lab; no <c>usrnet up</c> runs (the tool holds the tap).
/// </summary>
public sealed class StackToolsAgainstTheKernel(ITestOutputHelper output)
{
    private static readonly string Gateway = LabTopology.Gateway.ToString();
    private static readonly string Far = LabTopology.FarAddress.ToString();
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    [LabFact]
    public async Task PingToTheTapAddressGetsEveryReply()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult ping = await lab.RunUsrnetAsync(["ping", "-c", "3", "-i", "0.2", Gateway], ToolTimeout);

        Assert.True(ping.Succeeded, ping.ToString());
        Assert.Equal(3, ToolOutput.PingReceived(ping.StandardOutput));
        Assert.Equal([64, 64, 64], ToolOutput.PingReplyTtls(ping.StandardOutput));
    }

    [LabFact]
    public async Task PingToTheFarHostGoesThroughTheGatewayAndComesBackOneHopShorter()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult ping = await lab.RunUsrnetAsync(["ping", "-c", "3", "-i", "0.2", Far], ToolTimeout);

        Assert.True(ping.Succeeded, ping.ToString());
        Assert.Equal(3, ToolOutput.PingReceived(ping.StandardOutput));
        Assert.Equal([63, 63, 63], ToolOutput.PingReplyTtls(ping.StandardOutput));
    }

    [LabFact]
    public async Task PingToAnAddressNobodyHasSaysDestinationHostUnreachableAndExitsOneWithoutHanging()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        Stopwatch clock = Stopwatch.StartNew();

        ProcessResult ping = await lab.RunUsrnetAsync(["ping", "-c", "2", "-i", "0.2", "10.0.0.64"], ToolTimeout);

        Assert.False(ping.TimedOut, ping.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed.TotalSeconds:F1} s: {ping}");
        Assert.Equal(1, ping.ExitCode);
        Assert.Contains("Destination Host Unreachable", ping.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, ToolOutput.PingReceived(ping.StandardOutput));
        LabStack.AssertNoException(ping);
    }

    [LabFact("ip")]
    public async Task ArpingToTheTapAddressIsAnsweredWithTheTapsMac()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        ProcessResult link = (await lab.RunAsync(lab.Namespace, ["ip", "-o", "link", "show", lab.TapName])).EnsureSuccess();
        string tapMac = Regex.Match(link.StandardOutput, @"link/ether (?<mac>[0-9a-f:]{17})").Groups["mac"].Value;
        Assert.False(string.IsNullOrEmpty(tapMac), link.ToString());

        ProcessResult arping = await lab.RunUsrnetAsync(["arping", "-c", "2", Gateway], ToolTimeout);

        Assert.True(arping.Succeeded, arping.ToString());
        Assert.Contains($"reply from {Gateway} [{tapMac}]", arping.StandardOutput, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Received 2 response", arping.StandardOutput, StringComparison.Ordinal);
    }

    [LabFact]
    public async Task TracerouteToTheFarHostListsTheGatewayThenTheFarHost()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult trace = await lab.RunUsrnetAsync(["traceroute", Far], ToolTimeout);

        Assert.True(trace.Succeeded, trace.ToString());
        IReadOnlyDictionary<int, IReadOnlyList<string>> hops = ToolOutput.TracerouteHops(trace.StandardOutput);
        Assert.Equal([1, 2], hops.Keys.Order());
        Assert.Equal(Gateway, hops[1].FirstOrDefault());
        Assert.Equal(Far, hops[2].FirstOrDefault());
    }

    [LabFact]
    public async Task TracerouteToAnUnreachableAddressExitsOne()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult trace = await lab.RunUsrnetAsync(["traceroute", "-m", "2", "-w", "1", "10.0.0.250"], ToolTimeout);

        Assert.False(trace.TimedOut, trace.ToString());
        Assert.Equal(1, trace.ExitCode);
        Assert.StartsWith("traceroute to 10.0.0.250 (10.0.0.250), 2 hops max", trace.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.250 ", trace.StandardOutput.Split('\n', 2)[1], StringComparison.Ordinal);
        LabStack.AssertNoException(trace);
    }

    [LabFact("/usr/bin/python3")]
    public async Task UdpCatToAKernelEchoServerBeyondTheGatewayPrintsEveryLineBack()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess server = lab.Start(lab.FarNamespace, LabScripts.PythonCommand("udp_echo_server.py", "7007", "--idle", "30"));
        Assert.True(await server.WaitForOutputAsync("listening on", TimeSpan.FromSeconds(10)), server.ToString() + server.StandardError);

        ProcessResult cat = await lab.RunUsrnetAsync(["udp-cat", Far, "7007"], ToolTimeout, stdin: "one\ntwo\nthree\n");

        Assert.True(cat.Succeeded, cat.ToString());
        Assert.Equal(["one", "two", "three"], cat.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3, server.StandardOutput.Split('\n').Count(l => l.StartsWith("echoed ", StringComparison.Ordinal)));
    }

    [LabFact]
    public async Task UdpCatToAClosedPortExitsOneWithOneLineSayingRefused()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult cat = await lab.RunUsrnetAsync(["udp-cat", Gateway, "9"], ToolTimeout, stdin: "hello\n");

        Assert.Equal(1, cat.ExitCode);
        string line = Assert.Single(cat.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("refused", line, StringComparison.Ordinal);
        Assert.Empty(cat.StandardOutput.Trim());
    }
}
