using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// <c>usrnet dig</c> on the lab's tap asks dnsmasq in the near namespace (docs/articles/design.md §3), and its answers
/// are compared with Debian's <c>dig</c> asking the same server from the same namespace. Each test has
/// its own lab and dnsmasq; no <c>usrnet up</c> runs (dig holds the tap).
/// </summary>
public sealed partial class DnsAgainstDnsmasq(ITestOutputHelper output)
{
    /// <summary>Namespaces usn-dns-…: the file's capitals ("dad") would be DhcpAgainstDnsmasq's too.</summary>
    private const string LabTag = "dns";
    private const string Domain = Dnsmasq.Domain;
    private static readonly string Server = LabTopology.Gateway.ToString();
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"^;; Query time: \d+ msec; SERVER: (?<server>[0-9.]+)#53\((?<transport>udp|tcp)\)$", RegexOptions.Multiline)]
    private static partial Regex TimingLine();

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Runs <c>usrnet dig</c> and checks it ended by itself without a stack trace.</summary>
    private static async Task<ProcessResult> UsrnetDigAsync(Lab lab, params string[] args)
    {
        ProcessResult dig = await lab.RunUsrnetAsync(["dig", .. args], ToolTimeout);
        Assert.False(dig.TimedOut, dig.ToString());
        LabStack.AssertNoException(dig);
        return dig;
    }

    /// <summary>Debian's dig, asking dnsmasq directly: <c>dig +short @10.0.0.101 args…</c>.</summary>
    private static async Task<ProcessResult> KernelDigAsync(Lab lab, params string[] args) =>
        (await lab.RunAsync(lab.Namespace, ["dig", "+time=2", "+tries=1", $"@{Server}", .. args])).EnsureSuccess();

    /// <summary>The transport the timing line names, after checking the line is there and names the server.</summary>
    private static string Transport(ProcessResult dig, string server)
    {
        Match timing = TimingLine().Match(dig.StandardError);
        Assert.True(timing.Success, dig.ToString());
        Assert.Equal(server, timing.Groups["server"].Value);
        return timing.Groups["transport"].Value;
    }

    [LabFact(Dnsmasq.Tool, "dig")]
    public async Task AddressesAndIpv6AddressesAreWhatDigPrints()
    {
        await using Lab lab = await Lab.CreateAsync(output, tag: LabTag);
        await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, [$"--address=/www.{Domain}/10.0.1.2", $"--host-record=six.{Domain},10.0.1.3,fd00::3"]);

        ProcessResult www = await UsrnetDigAsync(lab, $"www.{Domain}");
        ProcessResult six = await UsrnetDigAsync(lab, $"six.{Domain}", "--type", "AAAA");
        ProcessResult kernelWww = await KernelDigAsync(lab, "+short", $"www.{Domain}");
        ProcessResult kernelSix = await KernelDigAsync(lab, "+short", $"six.{Domain}", "AAAA");

        Assert.True(www.Succeeded, www.ToString());
        Assert.Equal("10.0.1.2\n", www.StandardOutput);
        Assert.Equal(kernelWww.StandardOutput, www.StandardOutput);
        Assert.Equal("udp", Transport(www, Server));
        Assert.True(six.Succeeded, six.ToString());
        Assert.Equal("fd00::3\n", six.StandardOutput);
        Assert.Equal(kernelSix.StandardOutput, six.StandardOutput);
    }

    [LabFact(Dnsmasq.Tool, "dig")]
    public async Task DigsOwnSyntaxAsksTheServerAfterTheAtSign()
    {
        await using Lab lab = await Lab.CreateAsync(output, tag: LabTag);
        await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, [$"--host-record=six.{Domain},10.0.1.3,fd00::3"]);

        // --gateway none: the only server is the one after @, as dig's syntax says; the type as a word, +short and +tries.
        ProcessResult six = await UsrnetDigAsync(lab, "--gateway", "none", $"@{Server}", $"six.{Domain}", "AAAA", "+short", "+tries=2");
        ProcessResult kernelSix = await KernelDigAsync(lab, "+short", $"six.{Domain}", "AAAA");

        Assert.True(six.Succeeded, six.ToString());
        Assert.Equal(kernelSix.StandardOutput, six.StandardOutput);
        Assert.Equal("fd00::3\n", six.StandardOutput);
        Assert.Equal("udp", Transport(six, Server));
    }

    [LabFact(Dnsmasq.Tool, "dig")]
    public async Task CnameIsPrintedAsDigDoesAndFollowedToTheAddress()
    {
        await using Lab lab = await Lab.CreateAsync(output, tag: LabTag);
        // dnsmasq answers alias with the CNAME alone (its target is an --address name, not a record it
        // holds), so usrnet dig must ask again for www to find the address; dig +short stops at the CNAME.
        await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, [$"--address=/www.{Domain}/10.0.1.2", $"--cname=alias.{Domain},www.{Domain}", "--log-queries"]);

        ProcessResult alias = await UsrnetDigAsync(lab, $"alias.{Domain}");
        ProcessResult cname = await UsrnetDigAsync(lab, $"alias.{Domain}", "--type", "CNAME");
        ProcessResult kernelAlias = await KernelDigAsync(lab, "+short", $"alias.{Domain}");
        ProcessResult kernelCname = await KernelDigAsync(lab, "+short", $"alias.{Domain}", "CNAME");

        Assert.True(alias.Succeeded, alias.ToString());
        Assert.Equal($"www.{Domain}.\n", kernelAlias.StandardOutput);
        Assert.Equal([$"www.{Domain}.", "10.0.1.2"], Lines(alias.StandardOutput));
        Assert.StartsWith(kernelAlias.StandardOutput, alias.StandardOutput, StringComparison.Ordinal);
        Assert.True(cname.Succeeded, cname.ToString());
        Assert.Equal(kernelCname.StandardOutput, cname.StandardOutput);
        Assert.Equal($"www.{Domain}.\n", cname.StandardOutput);
        // dnsmasq's log shows the second question usrnet dig asked: www after alias.
        Assert.Contains($"query[A] www.{Domain} from {LabTopology.StackAddress}", dns.Process.StandardError, StringComparison.Ordinal);
    }

    [LabFact(Dnsmasq.Tool, "dig")]
    public async Task UnknownNameIsNxdomainAndExitsOne()
    {
        await using Lab lab = await Lab.CreateAsync(output, tag: LabTag);
        await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, [$"--address=/www.{Domain}/10.0.1.2"]);

        ProcessResult dig = await UsrnetDigAsync(lab, $"nothing.{Domain}");
        ProcessResult kernel = await KernelDigAsync(lab, $"nothing.{Domain}");

        Assert.Contains("status: NXDOMAIN", kernel.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, dig.ExitCode);
        Assert.Equal("", dig.StandardOutput);
        Assert.Equal($"usrnet: dig: nothing.{Domain}: NXDOMAIN (no such name)\n", dig.StandardError);
    }

    [LabFact(Dnsmasq.Tool, "dig")]
    public async Task FiftyAddressesComeOverTcpAfterDnsmasqTruncatesTheUdpAnswer()
    {
        await using Lab lab = await Lab.CreateAsync(output, tag: LabTag);
        string[] addresses = [.. Enumerable.Range(1, 50).Select(i => $"10.0.2.{i}")];
        await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, [.. addresses.Select(a => $"--host-record=many.{Domain},{a}")]);

        // Without EDNS a UDP answer holds 512 bytes (RFC 1035 §4.2.1): dnsmasq sets TC and cuts it.
        ProcessResult udpOnly = await KernelDigAsync(lab, "+noedns", "+ignore", $"many.{Domain}");
        ProcessResult kernel = await KernelDigAsync(lab, "+noedns", "+short", $"many.{Domain}");
        ProcessResult dig = await UsrnetDigAsync(lab, $"many.{Domain}");

        Assert.Matches(@";; flags: qr aa tc rd ra;", udpOnly.StandardOutput);
        Assert.True(dig.Succeeded, dig.ToString());
        Assert.Equal("tcp", Transport(dig, Server));
        Assert.Equal(addresses.Order(), Lines(dig.StandardOutput).Order());
        Assert.Equal(Lines(kernel.StandardOutput).Order(), Lines(dig.StandardOutput).Order());
    }

    [LabFact(Dnsmasq.Tool, "dig")]
    public async Task SearchDomainCompletesAShortNameButNotAnAbsoluteOne()
    {
        await using Lab lab = await Lab.CreateAsync(output, tag: LabTag);
        await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, [$"--address=/www.{Domain}/10.0.1.2"]);

        ProcessResult dig = await UsrnetDigAsync(lab, "www", "--search", Domain);
        ProcessResult absolute = await UsrnetDigAsync(lab, "www.", "--search", Domain);

        Assert.True(dig.Succeeded, dig.ToString());
        Assert.Equal("10.0.1.2\n", dig.StandardOutput);
        // "www." is absolute: asked as it is, outside dnsmasq's --local domain, which it refuses.
        Assert.Equal(1, absolute.ExitCode);
        Assert.Equal($"usrnet: dig: www.: REFUSED (the server {Server} refused to answer)\n", absolute.StandardError);
    }

    [LabFact(Dnsmasq.Tool, "dig", "nft")]
    public async Task ServerThatNeverAnswersTimesOutAfterTheRetries()
    {
        await using Lab lab = await Lab.CreateAsync(output, tag: LabTag);
        await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, [$"--address=/www.{Domain}/10.0.1.2"]);
        // dnsmasq runs, but every query to it is dropped before it (no ICMP error either).
        string rules = """
            table inet silence {
              chain input {
                type filter hook input priority 0;
                udp dport 53 counter drop
              }
            }
            """;
        (await lab.RunAsync(lab.Namespace, ["nft", "-f", "-"], stdin: rules + "\n")).EnsureSuccess();

        ProcessResult dig = await UsrnetDigAsync(lab, $"www.{Domain}", "--time", "0.5", "--tries", "2");
        string ruleset = (await lab.RunAsync(lab.Namespace, ["nft", "list", "ruleset"])).EnsureSuccess().StandardOutput;

        Assert.Equal(1, dig.ExitCode);
        Assert.Equal($"usrnet: dig: www.{Domain}: timeout: no answer from {Server}#53 after 2 tries\n", dig.StandardError);
        Assert.Contains("counter packets 2 ", ruleset, StringComparison.Ordinal); // both tries reached the rule
        Assert.True(dig.Elapsed >= TimeSpan.FromSeconds(1.5), dig.ToString()); // 0.5 s, then 1 s
    }

    [LabFact]
    public async Task AddressNobodyHasIsUnreachableAndAHostWithoutANameServerRefuses()
    {
        await using Lab lab = await Lab.CreateAsync(output, tag: LabTag);

        ProcessResult nobody = await UsrnetDigAsync(lab, $"www.{Domain}", "--server", "10.0.0.99");
        ProcessResult far = await UsrnetDigAsync(lab, $"www.{Domain}", "--server", LabTopology.FarAddress.ToString());

        // 10.0.0.99 is on the link but answers no ARP: the stack reports the host unreachable (as Linux
        // does to its own sockets) after its three ARP requests, without waiting out every retry.
        Assert.Equal(1, nobody.ExitCode);
        Assert.StartsWith($"usrnet: dig: www.{Domain}: server 10.0.0.99#53 unreachable", nobody.StandardError, StringComparison.Ordinal);
        Assert.True(nobody.Elapsed < TimeSpan.FromSeconds(15), nobody.ToString());
        // The far host has no name server: its kernel answers ICMP port unreachable at once.
        Assert.Equal(1, far.ExitCode);
        Assert.Equal($"usrnet: dig: www.{Domain}: connection refused by {LabTopology.FarAddress}#53 (no name server there)\n", far.StandardError);
    }

    [LabFact(LabScripts.Python)]
    public async Task BrokenAnswersAreDroppedAndReportedAndAGoodOneStillWorks()
    {
        await using Lab lab = await Lab.CreateAsync(output, tag: LabTag);
        // scripts/hostile_dns.py answers with the query's ID and question, broken as the name's first label asks.
        BackgroundProcess hostile = lab.Start(lab.Namespace, LabScripts.PythonCommand("hostile_dns.py", "--address", Server));
        Assert.True(await hostile.WaitForOutputAsync("listening on", TimeSpan.FromSeconds(10)), hostile.StandardError);

        string[] kinds = ["pointer-loop", "pointer-forward", "counts-lie", "record-cut", "rdlength-lies", "label-too-long", "header-only", "address-wrong-length"];
        foreach (string kind in kinds)
        {
            ProcessResult broken = await UsrnetDigAsync(lab, $"{kind}.{Domain}", "--time", "0.3", "--tries", "2");
            Assert.Equal(1, broken.ExitCode);
            Assert.Equal("", broken.StandardOutput);
            // Every try was answered, and every answer dropped: the failure is the malformed answer, not a time-out.
            Assert.Contains($"malformed answer from {Server}", broken.StandardError, StringComparison.Ordinal);
        }
        ProcessResult good = await UsrnetDigAsync(lab, $"good.{Domain}");
        Assert.True(good.Succeeded, good.ToString());
        Assert.Equal("10.0.1.2\n", good.StandardOutput);
        Assert.Equal(kinds.Length * 2 + 1, Regex.Count(hostile.StandardOutput, "^answered ", RegexOptions.Multiline));
    }
}
