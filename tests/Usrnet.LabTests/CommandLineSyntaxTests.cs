namespace Usrnet.LabTests;

/// <summary>
/// What every command says to a command line it refuses, run as a user runs it (no tap is opened: each
/// refusal comes before the stack starts): one line <c>usrnet: COMMAND: …</c> naming the flag, the value
/// and what is expected in words, never a .NET type; the tools' own syntax (dig's <c>@SERVER</c>, which is
/// no response file, <c>+short</c>, types; ping's <c>-4</c>/<c>-6</c>); destinations that cannot be one
/// host refused at once, with iputils' words where it has them; exit code 2.
/// </summary>
public sealed class CommandLineSyntaxTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("usrnet: ping: -c: 'abc' is not a whole number (see 'usrnet ping --help')", "ping", "-c", "abc", "10.0.0.101")]
    [InlineData("usrnet: ping: -W: 'x' is not a number (see 'usrnet ping --help')", "ping", "-W", "x", "10.0.0.101")]
    [InlineData("usrnet: up: --drop-chance: 'abc' is not a number (see 'usrnet up --help')", "up", "--drop-chance", "abc")]
    [InlineData("usrnet: tcp-cat: PORT: 'x' is not a whole number (see 'usrnet tcp-cat --help')", "tcp-cat", "10.0.0.101", "x")]
    [InlineData("usrnet: bench reader: --bytes: '1e3' is not a whole number (see 'usrnet bench reader --help')", "bench", "reader", "--bytes", "1e3")]
    [InlineData("usrnet: dig: --tries: 'many' is not a whole number (see 'usrnet dig --help')", "dig", "x.test", "--tries", "many")]
    public async Task ANumberThatIsNotOneIsRefusedInWords(string line, params string[] args)
    {
        ProcessResult result = await Run(args);

        AssertRefused(result, line);
        Assert.DoesNotContain("System.", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("usrnet: dig: +trace: not supported (usrnet dig understands +short, +time=SECONDS, +tries=N, +retry=N)", "dig", "@10.0.0.101", "x.test", "AAAA", "+short", "+trace")]
    [InlineData("usrnet: dig: type 'MX' is not supported: A, AAAA or CNAME", "dig", "x.test", "MX")]
    [InlineData("usrnet: dig: server 'ns.test' is not a unicast IPv4 address (names are not resolved for @SERVER)", "dig", "@ns.test", "x.test")]
    [InlineData("usrnet: dig: 'y.test': one NAME per lookup (already 'x.test')", "dig", "x.test", "y.test")]
    [InlineData("usrnet: dig: +time=soon: 'soon' is not a number of seconds", "dig", "x.test", "+time=soon")]
    [InlineData("usrnet: dig: no name server: give @ADDR or --server ADDR (the default is the --gateway address, and it is none)", "dig", "x.test", "--gateway", "none")]
    [InlineData("usrnet: ping: -6: IPv6 not supported yet (the stack speaks IPv4 only)", "ping", "-6", "::1")]
    [InlineData("usrnet: ping: x: Name or service not known (give an IPv4 address)", "ping", "-4", "-n", "-q", "-c", "1", "x")]
    public async Task TheToolsOwnSyntaxIsReadAndWhatItCannotDoIsRefused(string line, params string[] args) => AssertRefused(await Run(args), line);

    [Theory]
    [InlineData("usrnet: ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules", "ping", "255.255.255.255")]
    [InlineData("usrnet: ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules", "ping", "10.0.0.255")]
    [InlineData("usrnet: ping: 127.0.0.1: the stack has no loopback interface (its own address is 10.0.0.102; for the kernel's loopback use the kernel's tools)", "ping", "127.0.0.1")]
    [InlineData("usrnet: ping: 224.0.0.1 is a multicast address: the stack joins no multicast group", "ping", "224.0.0.1")]
    [InlineData("usrnet: ping: 10.0.0.0 is the network address of 10.0.0.0/24, not a host", "ping", "10.0.0.0")]
    [InlineData("usrnet: ping: 10.0.0.102 is the stack's own address, and it has no loopback interface", "ping", "10.0.0.102")]
    [InlineData("usrnet: tcp-cat: 10.0.0.255 is a broadcast address: the stack sends only to one host", "tcp-cat", "10.0.0.255", "7")]
    [InlineData("usrnet: udp-cat: 10.0.0.255 is a broadcast address: the stack sends only to one host", "udp-cat", "10.0.0.255", "7")]
    [InlineData("usrnet: traceroute: 239.1.2.3 is a multicast address: the stack joins no multicast group", "traceroute", "239.1.2.3")]
    [InlineData("usrnet: arping: 0.0.0.0 is not a destination (it means 'this host', and the stack has no loopback)", "arping", "0.0.0.0")]
    public async Task ADestinationThatIsNotOneHostIsRefusedAtOnce(string line, params string[] args) => AssertRefused(await Run(args), line);

    [Theory]
    [InlineData("usrnet: traceroute: -q: 0 probes per hop out of range (1 to 10)", "traceroute", "-q", "0", "10.0.1.2")]
    [InlineData("usrnet: http-get: 'http://10.0.1.2:99999/': port 99999 out of range (1 to 65535)", "http-get", "http://10.0.1.2:99999/")]
    [InlineData("usrnet: http-get: 'ftp://10.0.1.2/': scheme 'ftp' is not supported (http:// or https://)", "http-get", "ftp://10.0.1.2/")]
    [InlineData("usrnet: http-get: --output: '/' is a directory (give a file name in it)", "http-get", "-o", "/", "http://10.0.1.2/")]
    [InlineData("usrnet: serve: PORT: -1 out of range (0 to 65535; 0 picks any free port)", "serve", "-1")]
    [InlineData("usrnet: serve: PORT: 65536 out of range (0 to 65535; 0 picks any free port)", "serve", "65536")]
    [InlineData("usrnet: bench in-process: --mtu: 10 out of range (576, IPv4's minimum datagram every host accepts, to 65535)", "bench", "in-process", "--mtu", "10")]
    [InlineData("usrnet: bench in-process: --segment-size: 1000 out of range (the MTU, 1500, to 65535)", "bench", "in-process", "--segment-size", "1000")]
    [InlineData("usrnet: bench async: --segment-size: 9000 needs --offload on; without offloads segments are MTU-sized (use --mtu 9000)", "bench", "async", "--offload", "off", "--segment-size", "9000")]
    [InlineData("usrnet: bench reader: --buffer: 10 out of range (1 KiB = 1024 to 1 GiB = 1073741824 bytes)", "bench", "reader", "--buffer", "10")]
    public async Task AValueOutOfRangeSaysTheRangeThatHolds(string line, params string[] args) => AssertRefused(await Run(args), line);

    [Fact]
    public async Task AnAtSignIsNeverAResponseFile()
    {
        ProcessResult result = await Run(["udp-echo", "@/etc/hostname"]);

        AssertRefused(result, "usrnet: udp-echo: PORT: '@/etc/hostname' is not a whole number (see 'usrnet udp-echo --help')");
    }

    [LabFact]
    public async Task AMissingTapIsToBeMadeInsideANamespaceNeverInTheRootOne()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        // -I: iputils' spelling of the interface; tap9 is not in the lab's namespace.
        ProcessResult ping = await lab.RunUsrnetAsync(["ping", "-I", "tap9", "-c", "1", "10.0.0.101"], TimeSpan.FromSeconds(60));
        ProcessResult arping = await lab.RunUsrnetAsync(["arping", "-I", "tap9", "-c", "1", "10.0.0.101"], TimeSpan.FromSeconds(60));

        string hint = "tap device 'tap9' does not exist in this network namespace: create the lab with 'sudo usrnet lab up' and run the stack inside it "
            + "('sudo ip netns exec usrnet usrnet ...'), or create the tap inside a namespace of your own ('ip netns exec NS ip tuntap add dev tap9 mode tap'), never in the root namespace\n";
        Assert.Equal(1, ping.ExitCode);
        Assert.Equal("usrnet: ping: " + hint, ping.StandardError);
        Assert.Equal(1, arping.ExitCode);
        Assert.Equal("usrnet: arping: " + hint, arping.StandardError);
    }

    [Fact]
    public async Task TracerouteTakesLinuxTracerouteNumericFlag()
    {
        // -n is accepted (the output always is numeric): the refusal is about the address, not the flag.
        AssertRefused(await Run(["traceroute", "-n", "10.0.0.255"]), "usrnet: traceroute: 10.0.0.255 is a broadcast address: the stack sends only to one host");
    }

    private static void AssertRefused(ProcessResult result, string line)
    {
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, not 2: {result}");
        Assert.Equal(line + "\n", result.StandardError);
        Assert.Empty(result.StandardOutput);
    }

    private async Task<ProcessResult> Run(IEnumerable<string> args)
    {
        ProcessResult result = await UsrnetCli.RunAsync(args, TimeSpan.FromSeconds(60));
        output.WriteLine(result.ToString());
        return result;
    }
}
