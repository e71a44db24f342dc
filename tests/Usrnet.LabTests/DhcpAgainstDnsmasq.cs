using System.Globalization;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;
using Xunit.Sdk;

namespace Usrnet.LabTests;

/// <summary>
/// The stack's DHCP client (<c>usrnet dhcp</c>, <c>usrnet up --dhcp</c>) against dnsmasq on the lab's tap:
/// a lease from the pool that the kernel can ping, renewal at T1, rebinding and expiry when the server is
/// gone, INIT-REBOOT accepted and refused, DHCPDECLINE of an address the kernel already has, release.
/// </summary>
public sealed partial class DhcpAgainstDnsmasq(ITestOutputHelper output)
{
    /// <summary>The pool: not the stack's static default 10.0.0.102, so an address from it came from DHCP.</summary>
    private const string Range = "--dhcp-range=10.0.0.150,10.0.0.199,2m";

    private static readonly string Mac = LabTopology.StackMac.ToString();
    private static readonly string Server = LabTopology.Gateway.ToString();

    /// <summary>A cold dotnet, dnsmasq's own 3 s ping check of the address, then our 3 to 7 s of ARP probes.</summary>
    private static readonly TimeSpan BindTimeout = TimeSpan.FromSeconds(45);

    [LabFact(Dnsmasq.Tool)]
    public async Task UsrnetDhcpPrintsALeaseFromThePoolAndReleasesIt()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await using Dnsmasq dnsmasq = await Dnsmasq.StartAsync(lab, [Range, $"--domain={Dnsmasq.Domain}"]);

        ProcessResult dhcp = await lab.RunUsrnetAsync(["dhcp", "--hostname", "labhost", "--verbose"], BindTimeout + TimeSpan.FromSeconds(15));

        Assert.True(dhcp.Succeeded, dhcp.ToString());
        LabStack.AssertNoException(dhcp);
        string address = Field(dhcp, "address");
        Assert.Matches(@"^10\.0\.0\.1(5\d|[6-9]\d)/24$", address);
        string ip = address.Split('/')[0];
        Assert.Equal(Server, Field(dhcp, "gateway"));
        Assert.Equal(Server, Field(dhcp, "dns"));
        Assert.Equal(Dnsmasq.Domain, Field(dhcp, "domain"));
        Assert.Equal("120 s", Field(dhcp, "lease"));
        Assert.Equal("60 s", Field(dhcp, "t1"));
        Assert.Equal("105 s", Field(dhcp, "t2"));
        Assert.Equal(Server, Field(dhcp, "server"));
        Assert.Contains($"released {ip}\n", dhcp.StandardOutput, StringComparison.Ordinal);
        // --verbose: the client's and the interface's events on stderr, the lease alone on stdout.
        Assert.Contains("DHCP Selecting -> Requesting", dhcp.StandardError, StringComparison.Ordinal);
        Assert.Contains($"DHCP bound to {address} from {Server}, lease 120 s", dhcp.StandardError, StringComparison.Ordinal);
        Assert.Contains($"IPv4 address {address} assigned", dhcp.StandardError, StringComparison.Ordinal);
        Assert.Contains($"DHCP: released {ip} to {Server}", dhcp.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("DHCP bound", dhcp.StandardOutput, StringComparison.Ordinal);

        string log = await WaitForLogAsync(dnsmasq, $"DHCPRELEASE(tap0) {ip} {Mac}");
        Assert.Contains($"DHCPDISCOVER(tap0) {Mac}", log, StringComparison.Ordinal);
        Assert.Contains($"DHCPOFFER(tap0) {ip} {Mac}", log, StringComparison.Ordinal);
        Assert.Contains($"DHCPREQUEST(tap0) {ip} {Mac}", log, StringComparison.Ordinal);
        Assert.Contains($"DHCPACK(tap0) {ip} {Mac} labhost", log, StringComparison.Ordinal); // option 12 reached it
        // Released: dnsmasq forgets the lease.
        Assert.DoesNotContain($" {ip} ", await File.ReadAllTextAsync(dnsmasq.LeaseFile), StringComparison.Ordinal);
    }

    [LabFact(Dnsmasq.Tool, "ping")]
    public async Task UpDhcpIsBoundThePingableAddressRenewsAtT1AndIsReleasedOnSigterm()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await using Dnsmasq dnsmasq = await Dnsmasq.StartAsync(lab, [Range, "--dhcp-option=58,10", "--dhcp-option=59,20"]);
        BackgroundProcess stack = lab.StartUsrnet(["up", "--dhcp"]);
        string ip = await WaitForBoundAsync(stack);

        ProcessResult ping = await lab.RunAsync(lab.Namespace, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", ip], TimeSpan.FromSeconds(20));
        Assert.True(await stack.WaitForOutputAsync("renewed ", TimeSpan.FromSeconds(25)), $"no renewal at T1 = 10 s:\n{stack.StandardOutput}");
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        Assert.True(ping.Succeeded, ping.ToString());
        Assert.Equal(3, ToolOutput.PingReceived(ping.StandardOutput));
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        Assert.Contains($"renewing {ip} with {Server}\n", ended.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"renewed {ip}/24 via {Server} lease 120 s\n", ended.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"released {ip}\n", ended.StandardOutput, StringComparison.Ordinal);
        string log = await WaitForLogAsync(dnsmasq, $"DHCPRELEASE(tap0) {ip} {Mac}");
        // The first ACK, then at least one renewal, each a DHCPREQUEST answered with a DHCPACK.
        Assert.True(Count(log, $"DHCPREQUEST(tap0) {ip} {Mac}") >= 2, log);
        Assert.True(Count(log, $"DHCPACK(tap0) {ip} {Mac}") >= 2, log);
        // Renewals are DHCPREQUESTs to the server (RFC 2131 §4.4.5), never a new DISCOVER. Before the first
        // ACK the client may send a second DISCOVER: dnsmasq pings an address for up to 3 s before it offers
        // it, and the client retransmits after 4 ± 1 s (§4.1).
        string afterBound = log[(log.IndexOf($"DHCPACK(tap0) {ip} {Mac}", StringComparison.Ordinal) + 1)..];
        Assert.Equal(0, Count(afterBound, $"DHCPDISCOVER(tap0) {Mac}"));
    }

    [LabFact(Dnsmasq.Tool, "ping")]
    public async Task WhenTheServerGoesAwayTheStackRebindsThenGivesTheAddressUpAtTheLeasesEnd()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await using Dnsmasq dnsmasq = await Dnsmasq.StartAsync(lab, [Range, "--dhcp-option=58,10", "--dhcp-option=59,20"]);
        BackgroundProcess stack = lab.StartUsrnet(["up", "--dhcp"]);
        string ip = await WaitForBoundAsync(stack);
        Stopwatch sinceBound = Stopwatch.StartNew();

        await dnsmasq.DisposeAsync(); // the stack keeps running

        Assert.True(await stack.WaitForOutputAsync($"rebinding {ip}\n", TimeSpan.FromSeconds(30)), $"no rebinding at T2 = 20 s:\n{stack.StandardOutput}");
        TimeSpan rebindingAfter = sinceBound.Elapsed;
        Assert.True(await stack.WaitForOutputAsync("lease expired", TimeSpan.FromSeconds(130)), $"the lease did not expire:\n{stack.StandardOutput}");
        TimeSpan expiredAfter = sinceBound.Elapsed;
        ProcessResult ping = await lab.RunAsync(lab.Namespace, ["ping", "-n", "-c", "2", "-W", "1", ip], TimeSpan.FromSeconds(10));
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        output.WriteLine($"rebinding {rebindingAfter.TotalSeconds:F1} s and expiry {expiredAfter.TotalSeconds:F1} s after bound");
        Assert.Contains($"renewing {ip} with {Server}\n", ended.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"lease expired: address {ip}/24 removed\n", ended.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("renewed", ended.StandardOutput, StringComparison.Ordinal);
        // The lease counts from the DHCPREQUEST, a few seconds (the ARP probes) before "bound" was printed.
        Assert.InRange(expiredAfter.TotalSeconds, 100, 125);
        Assert.False(ping.Succeeded, $"the address still answers after the lease expired: {ping}");
        Assert.DoesNotContain("released", ended.StandardOutput, StringComparison.Ordinal); // nothing left to release
    }

    [LabFact(Dnsmasq.Tool)]
    public async Task WithoutVerboseUsrnetDhcpSaysWhatItWaitsFor()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await using Dnsmasq dnsmasq = await Dnsmasq.StartAsync(lab, [Range]);

        ProcessResult dhcp = await lab.RunUsrnetAsync(["dhcp"], BindTimeout + TimeSpan.FromSeconds(15));

        Assert.True(dhcp.Succeeded, dhcp.ToString());
        // The seconds of the RFC 5227 check (1 + 2 x 2 + 2 at most) and the exchange before it are each announced.
        Assert.Equal(
            "usrnet: DHCPDISCOVER sent, waiting for an offer\n"
            + "usrnet: offer taken, DHCPREQUEST sent, waiting for the server's DHCPACK\n"
            + "usrnet: DHCPACK received; probing the address for conflicts with ARP (RFC 5227), up to 7 s\n",
            dhcp.StandardError);
    }

    [LabFact(Dnsmasq.Tool)]
    public async Task AnAddressTheKernelAlreadyHasIsDeclinedAndAnotherOneLeased()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        // The kernel owns 10.0.0.150 too, and dnsmasq reserves it for the stack's MAC, so it is offered
        // first; a reserved address is not ping-checked by dnsmasq, so only the stack's ARP probe (which
        // the kernel answers) can find the conflict. After the DHCPDECLINE dnsmasq offers 10.0.0.151.
        (await lab.RunAsync(lab.Namespace, ["ip", "addr", "add", "10.0.0.150/24", "dev", lab.TapName])).EnsureSuccess();
        string kernelMac = await TapMacAsync(lab);
        await using Dnsmasq dnsmasq = await Dnsmasq.StartAsync(lab, ["--dhcp-range=10.0.0.150,10.0.0.151,2m", $"--dhcp-host={Mac},10.0.0.150"]);

        ProcessResult dhcp = await lab.RunUsrnetAsync(["dhcp", "--timeout", "60"], TimeSpan.FromSeconds(90));

        Assert.True(dhcp.Succeeded, dhcp.ToString());
        Assert.Contains($"declined 10.0.0.150: in use by {kernelMac}\n", dhcp.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("10.0.0.151/24", Field(dhcp, "address"));
        string log = await WaitForLogAsync(dnsmasq, $"DHCPRELEASE(tap0) 10.0.0.151 {Mac}");
        Assert.Contains($"DHCPDECLINE(tap0) 10.0.0.150 {Mac} address in use by {kernelMac}", log, StringComparison.Ordinal);
        Assert.Contains($"DHCPACK(tap0) 10.0.0.151 {Mac}", log, StringComparison.Ordinal);
    }

    [LabFact(Dnsmasq.Tool)]
    public async Task InitRebootKeepsARememberedAddressAndFallsBackToDiscoverWhenRefused()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        // Authoritative: dnsmasq answers an INIT-REBOOT for an address it has no lease for (ACK when it
        // is free in the pool, NAK otherwise) instead of staying silent.
        await using Dnsmasq dnsmasq = await Dnsmasq.StartAsync(lab, [Range, "--dhcp-authoritative"]);

        ProcessResult kept = await lab.RunUsrnetAsync(["dhcp", "--request", "10.0.0.160"], BindTimeout);
        ProcessResult refused = await lab.RunUsrnetAsync(["dhcp", "--request", "10.0.0.99"], BindTimeout);

        Assert.True(kept.Succeeded, kept.ToString());
        Assert.Equal("10.0.0.160/24", Field(kept, "address"));
        Assert.True(refused.Succeeded, refused.ToString());
        Assert.Matches(@"^10\.0\.0\.1(5\d|[6-9]\d)/24$", Field(refused, "address"));
        string log = await WaitForLogAsync(dnsmasq, $"DHCPNAK(tap0) 10.0.0.99 {Mac}");
        // The first run never needed a DHCPDISCOVER; the second one did, after the NAK.
        Assert.Equal(1, Count(log, $"DHCPDISCOVER(tap0) {Mac}"));
        Assert.True(log.IndexOf($"DHCPACK(tap0) 10.0.0.160 {Mac}", StringComparison.Ordinal) < log.IndexOf($"DHCPDISCOVER(tap0) {Mac}", StringComparison.Ordinal), log);
    }

    [LabFact(Dnsmasq.Tool, LabRequirement.Scapy, "ping")]
    public async Task BrokenRepliesAreCountedAndDroppedAndARealServerStillGivesALease()
    {
        const int Replies = 1000;
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = lab.StartUsrnet(["up", "--dhcp"]);
        Assert.True(await stack.WaitForOutputAsync("address by DHCP", LabStack.StartTimeout), stack.StandardError);

        // While the client is SELECTING: 1000 broken replies (scripts/malformed_dhcp.py), then a real server.
        // With the client's own xid, so they reach its option parser and lease checks, not just the xid check.
        ProcessResult script = (await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("malformed_dhcp.py", $"{Replies}", "--iface", lab.TapName, "--seed", "3", "--xid-from-discover", "15"), TimeSpan.FromSeconds(60))).EnsureSuccess();
        await using Dnsmasq dnsmasq = await Dnsmasq.StartAsync(lab, [Range]);
        Assert.True(await stack.WaitForOutputAsync("bound 10.0.0.", BindTimeout + TimeSpan.FromSeconds(15)), $"no lease after the broken replies:\n{stack.StandardOutput}\n{stack.StandardError}");
        string ip = Regex.Match(stack.StandardOutput, @"bound (?<ip>10\.0\.0\.\d+)/24").Groups["ip"].Value;
        Assert.Matches(@"^10\.0\.0\.1(5\d|[6-9]\d)$", ip); // from dnsmasq's pool, not a broken offer's 10.0.0.240
        Assert.True(await lab.WaitForPingAsync(lab.Namespace, ip, TimeSpan.FromSeconds(10)));
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        Match sent = Regex.Match(script.StandardOutput, @"^sent (?<sent>\d+) malformed DHCP replies");
        Assert.True(sent.Success, script.ToString());
        long replies = long.Parse(sent.Groups["sent"].Value, CultureInfo.InvariantCulture);
        Assert.True(replies >= Replies * 9 / 10, script.ToString());
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        IReadOnlyDictionary<string, long> dhcp = ToolOutput.Counters(ended.StandardOutput, "dhcp client");
        output.WriteLine(string.Join(", ", dhcp.Select(c => $"{c.Key} {c.Value}")));
        // Every broken reply was dropped under one reason or another; none made a lease.
        // A burst can also find the client's socket queue full (a busy machine), counted by the interface.
        long queueFull = ToolOutput.Counter(ToolOutput.Counters(ended.StandardOutput, "interface"), "DroppedQueueFull");
        long dropped = ToolOutput.Counter(dhcp, "DroppedMalformed") + ToolOutput.Counter(dhcp, "DroppedNotForUs")
            + ToolOutput.Counter(dhcp, "DroppedUnexpected") + ToolOutput.Counter(dhcp, "RepliesRejected") + queueFull;
        Assert.True(dropped >= replies, $"{dropped} dropped of {replies} broken replies:\n{ended.StandardOutput}");
        Assert.True(ToolOutput.Counter(dhcp, "DroppedMalformed") > 0, ended.StandardOutput);
        Assert.True(ToolOutput.Counter(dhcp, "DroppedNotForUs") > 0, ended.StandardOutput);
        Assert.True(ToolOutput.Counter(dhcp, "RepliesRejected") > 0, ended.StandardOutput); // offers that cannot make a lease
        // No broken offer was taken up: the only DHCPREQUEST dnsmasq saw was for its own offer.
        Assert.DoesNotContain("10.0.0.240", dnsmasq.Process.StandardError, StringComparison.Ordinal);
        Assert.Equal(0, ToolOutput.Counter(dhcp, "NaksReceived"));
    }

    [LabFact]
    public async Task UsrnetDhcpWithoutAServerSaysItWaitsForAnOfferThenFailsWithOneLine()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult dhcp = await lab.RunUsrnetAsync(["dhcp", "--timeout", "5"], TimeSpan.FromSeconds(30));

        Assert.Equal(1, dhcp.ExitCode);
        Assert.Equal("", dhcp.StandardOutput);
        string[] lines = dhcp.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["usrnet: DHCPDISCOVER sent, waiting for an offer"], lines[..^1]);
        Assert.StartsWith("usrnet: dhcp: no lease within 5 s", lines[^1], StringComparison.Ordinal);
    }

    [LabFact]
    public async Task DhcpRefusesAStaticAddress()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult dhcp = await lab.RunUsrnetAsync(["dhcp", "--ip", "10.0.0.5/24"], TimeSpan.FromSeconds(30));
        ProcessResult up = await lab.RunUsrnetAsync(["up", "--dhcp", "--gateway", "10.0.0.1"], TimeSpan.FromSeconds(30));

        Assert.Equal(2, dhcp.ExitCode);
        Assert.Equal("usrnet: dhcp: --ip cannot be combined with DHCP, which assigns the address and gateway\n", dhcp.StandardError);
        Assert.Equal(2, up.ExitCode);
        Assert.Equal("usrnet: up: --gateway cannot be combined with DHCP, which assigns the address and gateway\n", up.StandardError);
    }

    /// <summary>Waits for <c>up --dhcp</c>'s "bound ADDR/24 via 10.0.0.101 lease 120 s" and returns ADDR.</summary>
    private static async Task<string> WaitForBoundAsync(BackgroundProcess stack)
    {
        if (!await stack.WaitForOutputAsync(" lease 120 s\n", BindTimeout))
        {
            ProcessResult ended = await stack.StopAsync();
            throw new XunitException($"the stack got no lease within {BindTimeout.TotalSeconds} s: {ended}");
        }
        Match bound = BoundLine().Match(stack.StandardOutput);
        Assert.True(bound.Success, stack.StandardOutput);
        return bound.Groups["ip"].Value;
    }

    /// <summary>Waits until dnsmasq has logged <paramref name="line"/> (it logs as it answers) and returns its log.</summary>
    private static async Task<string> WaitForLogAsync(Dnsmasq dnsmasq, string line)
    {
        Assert.True(await dnsmasq.Process.WaitForOutputAsync(line, TimeSpan.FromSeconds(5)), $"dnsmasq did not log '{line}':\n{dnsmasq.Process.StandardError}");
        return dnsmasq.Process.StandardError;
    }

    /// <summary>The value of a <c>usrnet dhcp</c> line such as <c>gateway   10.0.0.101</c>.</summary>
    private static string Field(ProcessResult result, string name)
    {
        Match m = Regex.Match(result.StandardOutput, $@"^{name} +(?<value>.+)$", RegexOptions.Multiline);
        return m.Success ? m.Groups["value"].Value : throw new XunitException($"no '{name}' line in: {result}");
    }

    private static int Count(string text, string what) => Regex.Matches(text, Regex.Escape(what)).Count;

    private static async Task<string> TapMacAsync(Lab lab)
    {
        ProcessResult link = (await lab.RunAsync(lab.Namespace, ["ip", "-o", "link", "show", lab.TapName])).EnsureSuccess();
        return Regex.Match(link.StandardOutput, @"link/ether (?<mac>[0-9a-f:]{17})").Groups["mac"].Value;
    }

    [GeneratedRegex(@"^bound (?<ip>10\.0\.0\.\d+)/24 via 10\.0\.0\.101 lease 120 s$", RegexOptions.Multiline)]
    private static partial Regex BoundLine();
}
