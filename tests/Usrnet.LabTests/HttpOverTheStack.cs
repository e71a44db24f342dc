using System.Globalization;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;
using Xunit.Sdk;

namespace Usrnet.LabTests;

/// <summary>
/// HTTP over the stack against the kernel's own HTTP tools: <c>curl</c> and <c>wrk</c> in the near
/// namespace fetch from <c>usrnet serve</c> (Kestrel over the stack), and <c>usrnet http-get</c>
/// (HttpClient over the stack) fetches from <c>python3 -m http.server</c> beyond the gateway.
/// </summary>
public sealed partial class HttpOverTheStack(ITestOutputHelper output)
{
    private const int ServePort = 8080;
    private const int FarPort = 8000;
    private const string Page = "<!doctype html><title>usrnet</title><p>served by Kestrel over a user-space TCP/IP stack</p>\n";
    private static readonly string Site = $"http://{LabTopology.StackAddress}:{ServePort}";
    private static readonly TimeSpan ServingTimeout = TimeSpan.FromSeconds(20);

    [LabFact("ping", "curl")]
    public async Task CurlGetsAPageAndTheStatusFromUsrnetServe()
    {
        using LabTempDirectory root = new();
        await File.WriteAllTextAsync(root.File("index.html"), Page);
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess serve = await StartServeAsync(lab, root.Path);

        ProcessResult page = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "-m", "10", $"{Site}/"]);
        ProcessResult headers = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "-m", "10", "-o", "/dev/null", "-D", "-", $"{Site}/index.html"]);
        ProcessResult status = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "-m", "10", $"{Site}/usrnet/status"]);
        ProcessResult missing = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", $"{Site}/no-such-file"]);
        ProcessResult ended = await LabStack.StopStackAsync(serve);

        Assert.True(page.Succeeded, page.ToString());
        Assert.Equal(Page, page.StandardOutput);
        Assert.Matches(@"(?m)^HTTP/1\.1 200 OK\r$", headers.StandardOutput);
        Assert.Matches(@"(?mi)^content-type: text/html\r$", headers.StandardOutput);
        Assert.Matches(@"(?mi)^server: Kestrel\r$", headers.StandardOutput);
        Assert.True(status.Succeeded, status.ToString());
        Assert.StartsWith($"usrnet: {LabTopology.StackCidr} via {LabTopology.Gateway}, MAC {LabTopology.StackMac}\n", status.StandardOutput, StringComparison.Ordinal);
        Assert.True(ToolOutput.Counter(ToolOutput.Counters(status.StandardOutput), "FramesReceived") > 0, status.StandardOutput);
        Assert.Equal("404", missing.StandardOutput);

        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        Assert.Contains($"usrnet: listening on {LabTopology.StackAddress}:{ServePort}/tcp, serving {Site} from {root.Path}", ended.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, ToolOutput.Counter(ToolOutput.Counters(ended.StandardOutput), "DroppedMalformed"));
    }

    [LabFact("ping", "curl", LabScripts.Python)]
    public async Task CurlDownloadsAHundredMegabytesFromUsrnetServeWithTheSameSha256()
    {
        const long Bytes = 100_000_000;
        using LabTempDirectory root = new();
        using LabTempDirectory downloads = new();
        string hash = await TcpPeers.WriteSeededFileAsync(root.File("big.bin"), Bytes, "hots-100mb");
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess serve = await StartServeAsync(lab, root.Path);

        string got = downloads.File("big.bin");
        ProcessResult curl = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "-m", "60", "-o", got, "-w", "%{size_download} %{speed_download}", $"{Site}/big.bin"], TimeSpan.FromSeconds(70));
        ProcessResult ended = await LabStack.StopStackAsync(serve);

        Assert.True(curl.Succeeded, $"{curl}\n\nserve: {ended}");
        Assert.Equal(Bytes, new FileInfo(got).Length);
        Assert.Equal(hash, TcpPeers.Sha256OfFile(got));
        output.WriteLine($"curl: {curl.StandardOutput} (bytes, bytes/s) in {curl.Elapsed.TotalSeconds:F2} s");
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
    }

    [LabFact("ping", "curl", LabScripts.Python)]
    public async Task FiftyCurlsAtOnceEachGetTheirOwnFileIntact()
    {
        const int Clients = 50;
        const long Bytes = 1_000_000;
        using LabTempDirectory root = new();
        using LabTempDirectory downloads = new();
        string[] hashes = await Task.WhenAll(Enumerable.Range(0, Clients).Select(i => TcpPeers.WriteSeededFileAsync(root.File($"f{i}.bin"), Bytes, $"hots-{i}")));
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess serve = await StartServeAsync(lab, root.Path);

        ProcessResult[] curls = await Task.WhenAll(Enumerable.Range(0, Clients).Select(i =>
            lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "-m", "40", "-o", downloads.File($"f{i}.bin"), $"{Site}/f{i}.bin"], TimeSpan.FromSeconds(50))));
        ProcessResult ended = await LabStack.StopStackAsync(serve);

        for (int i = 0; i < Clients; i++)
        {
            Assert.True(curls[i].Succeeded, $"{curls[i]}\n\nserve: {ended}");
            Assert.Equal(hashes[i], TcpPeers.Sha256OfFile(downloads.File($"f{i}.bin")));
        }
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
    }

    [LabFact("ping", "wrk")]
    public async Task WrkLoadsUsrnetServeForTenSecondsWithoutSocketErrors()
    {
        using LabTempDirectory root = new();
        await File.WriteAllTextAsync(root.File("index.html"), Page);
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess serve = await StartServeAsync(lab, root.Path);

        ProcessResult wrk = await lab.RunAsync(lab.Namespace, ["wrk", "-t2", "-c20", "-d10s", "--latency", $"{Site}/index.html"], TimeSpan.FromSeconds(40));
        ProcessResult ended = await LabStack.StopStackAsync(serve);
        output.WriteLine(wrk.StandardOutput);

        Assert.True(wrk.Succeeded, $"{wrk}\n\nserve: {ended}");
        WrkSummary summary = WrkSummary.Parse(wrk.StandardOutput);
        // wrk prints "Socket errors: connect C, read R, write W, timeout T" only when there were some.
        Assert.Equal((0, 0, 0, 0), summary.SocketErrors);
        Assert.Equal(0, summary.Non2xx);
        Assert.True(summary.Requests > 1000, $"only {summary.Requests} requests in 10 s:\n{wrk.StandardOutput}");
        output.WriteLine($"wrk: {summary.Requests} requests, {summary.RequestsPerSecond} requests/s");
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
    }

    [LabFact("ping", LabScripts.Python)]
    public async Task HttpGetFetchesFromAKernelServerBeyondTheGateway()
    {
        const long Bytes = 10_000_000;
        using LabTempDirectory root = new();
        using LabTempDirectory downloads = new();
        await File.WriteAllTextAsync(root.File("index.html"), Page);
        string hash = await TcpPeers.WriteSeededFileAsync(root.File("big.bin"), Bytes, "hots-far");
        await using Lab lab = await Lab.CreateAsync(output);
        string far = $"http://{LabTopology.FarAddress}:{FarPort}";
        // -u: unbuffered, so "Serving HTTP" shows as soon as it listens.
        BackgroundProcess server = lab.Start(lab.FarNamespace, [LabScripts.Python, "-u", "-m", "http.server", $"{FarPort}", "--bind", LabTopology.FarAddress.ToString(), "--directory", root.Path]);
        await TcpPeers.ExpectOutputAsync(server, "Serving HTTP", TimeSpan.FromSeconds(10));

        ProcessResult page = await lab.RunUsrnetAsync(["http-get", $"{far}/index.html"], TimeSpan.FromSeconds(30));
        string got = downloads.File("big.bin");
        ProcessResult big = await lab.RunUsrnetAsync(["http-get", "-o", got, $"{far}/big.bin"], TimeSpan.FromSeconds(60));
        ProcessResult missing = await lab.RunUsrnetAsync(["http-get", $"{far}/no-such-file"], TimeSpan.FromSeconds(30));
        ProcessResult refused = await lab.RunUsrnetAsync(["http-get", $"http://{LabTopology.FarAddress}:{FarPort + 1}/"], TimeSpan.FromSeconds(30));
        ProcessResult tls = await lab.RunUsrnetAsync(["http-get", $"https://{LabTopology.FarAddress}:{FarPort}/"], TimeSpan.FromSeconds(30));

        Assert.True(page.Succeeded, page.ToString());
        Assert.Equal(Page, page.StandardOutput);
        Assert.Equal("HTTP/1.0 200 OK\n", page.StandardError); // stderr is no terminal here: the status line only, no progress
        Assert.True(big.Succeeded, big.ToString());
        Assert.Equal(hash, TcpPeers.Sha256OfFile(got));

        Assert.Equal(22, missing.ExitCode); // curl --fail's code for HTTP >= 400
        Assert.Equal("", missing.StandardOutput); // as curl --fail: no error page on stdout
        Assert.Equal($"HTTP/1.0 404 File not found\nusrnet: http-get: {far}/no-such-file: 404 File not found\n", missing.StandardError);
        Assert.Equal(7, refused.ExitCode); // curl: failed to connect
        Assert.Equal($"usrnet: http-get: http://{LabTopology.FarAddress}:{FarPort + 1}/: connection refused\n", refused.StandardError);
        // HTTPS to a plain HTTP server: curl's TLS handshake code, and the cause, not "see inner exception".
        Assert.Equal(35, tls.ExitCode);
        Assert.StartsWith($"usrnet: http-get: https://{LabTopology.FarAddress}:{FarPort}/: TLS handshake failed: ", tls.StandardError, StringComparison.Ordinal);
        Assert.Contains("speaking HTTPS?", tls.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("inner exception", tls.StandardError, StringComparison.Ordinal);
        foreach (ProcessResult run in new[] { page, big, missing, refused, tls })
        {
            LabStack.AssertNoException(run);
        }
    }

    [LabFact("ping", LabScripts.Python, Dnsmasq.Tool)]
    public async Task HttpGetResolvesTheHostNameThroughDnsmasqAtTheGateway()
    {
        using LabTempDirectory root = new();
        await File.WriteAllTextAsync(root.File("index.html"), Page);
        await using Lab lab = await Lab.CreateAsync(output);
        await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, [$"--address=/far.{Dnsmasq.Domain}/{LabTopology.FarAddress}"]);
        BackgroundProcess server = lab.Start(lab.FarNamespace, [LabScripts.Python, "-u", "-m", "http.server", $"{FarPort}", "--bind", LabTopology.FarAddress.ToString(), "--directory", root.Path]);
        await TcpPeers.ExpectOutputAsync(server, "Serving HTTP", TimeSpan.FromSeconds(10));

        // No --dns: the resolver asks the gateway, where dnsmasq listens.
        ProcessResult page = await lab.RunUsrnetAsync(["http-get", $"http://far.{Dnsmasq.Domain}:{FarPort}/"], TimeSpan.FromSeconds(30));
        ProcessResult unknown = await lab.RunUsrnetAsync(["http-get", $"http://nothing.{Dnsmasq.Domain}:{FarPort}/"], TimeSpan.FromSeconds(30));

        Assert.True(page.Succeeded, $"{page}\n\ndnsmasq: {dns.Process.StandardError}");
        Assert.Equal(Page, page.StandardOutput);
        Assert.Equal(6, unknown.ExitCode); // curl: could not resolve host
        Assert.Equal($"usrnet: http-get: http://nothing.{Dnsmasq.Domain}:{FarPort}/: could not resolve host nothing.{Dnsmasq.Domain}: NXDOMAIN\n", unknown.StandardError);
    }

    [LabFact("ping", "curl", LabScripts.Python, Dnsmasq.Tool)]
    public async Task WithDhcpServeAndHttpGetLeaseEverythingTheyNeedFromDnsmasq()
    {
        using LabTempDirectory root = new();
        await File.WriteAllTextAsync(root.File("index.html"), Page);
        await using Lab lab = await Lab.CreateAsync(output);
        // One address in the pool, so the test knows where the site is; router and name server: dnsmasq itself (10.0.0.101).
        await using Dnsmasq dhcp = await Dnsmasq.StartAsync(lab, ["--dhcp-range=10.0.0.160,10.0.0.160,2m", $"--address=/far.{Dnsmasq.Domain}/{LabTopology.FarAddress}"]);

        BackgroundProcess serve = lab.StartUsrnet(["serve", $"{ServePort}", "--root", root.Path, "--dhcp"]);
        await TcpPeers.ExpectOutputAsync(serve, $"usrnet: listening on 10.0.0.160:{ServePort}/tcp", ServingTimeout);
        Assert.Contains("usrnet: leased 10.0.0.160/24 via 10.0.0.101 lease 120 s", serve.StandardOutput, StringComparison.Ordinal);
        ProcessResult page = await lab.RunAsync(lab.Namespace, ["curl", "-sS", "--fail", "--max-time", "10", $"http://10.0.0.160:{ServePort}/"]);
        Assert.True(page.Succeeded, page.ToString());
        Assert.Equal(Page, page.StandardOutput);
        ProcessResult served = await serve.StopAsync();
        LabStack.AssertStoppedBySigterm(served);
        // The stack released its lease on the way out (RFC 2131 §4.4.6).
        Assert.True(await dhcp.Process.WaitForOutputAsync("DHCPRELEASE(", TimeSpan.FromSeconds(5)), dhcp.Process.StandardError);

        // http-get: address, gateway and name server all from the lease; the name through dnsmasq; the page from beyond the gateway.
        BackgroundProcess far = lab.Start(lab.FarNamespace, [LabScripts.Python, "-u", "-m", "http.server", $"{FarPort}", "--bind", LabTopology.FarAddress.ToString(), "--directory", root.Path]);
        await TcpPeers.ExpectOutputAsync(far, "Serving HTTP", TimeSpan.FromSeconds(10));
        ProcessResult fetched = await lab.RunUsrnetAsync(["http-get", "--dhcp", $"http://far.{Dnsmasq.Domain}:{FarPort}/"], TimeSpan.FromSeconds(40));
        Assert.True(fetched.Succeeded, $"{fetched}\n\ndnsmasq: {dhcp.Process.StandardError}");
        Assert.Equal(Page, fetched.StandardOutput);
        Assert.Contains("usrnet: leased 10.0.0.160/24 via 10.0.0.101", fetched.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Starts <c>usrnet serve</c> on <see cref="ServePort"/> over <paramref name="root"/>; returns once Kestrel listens (its readiness line).</summary>
    private static Task<BackgroundProcess> StartServeAsync(Lab lab, string root) => lab.StartStackAsync("serve", $"{ServePort}", "--root", root);

    /// <summary>What the tests read of wrk's report.</summary>
    private sealed partial record WrkSummary(long Requests, double RequestsPerSecond, (long Connect, long Read, long Write, long Timeout) SocketErrors, long Non2xx)
    {
        public static WrkSummary Parse(string report)
        {
            Match requests = RequestsLine().Match(report);
            Match rate = RateLine().Match(report);
            if (!requests.Success || !rate.Success)
            {
                throw new XunitException($"wrk's report has no request count or rate:\n{report}");
            }
            Match errors = SocketErrorsLine().Match(report);
            Match non2xx = Non2xxLine().Match(report);
            return new WrkSummary(
                long.Parse(requests.Groups["n"].Value, CultureInfo.InvariantCulture),
                double.Parse(rate.Groups["rate"].Value, CultureInfo.InvariantCulture),
                errors.Success ? (Number(errors, "connect"), Number(errors, "read"), Number(errors, "write"), Number(errors, "timeout")) : (0, 0, 0, 0),
                non2xx.Success ? Number(non2xx, "n") : 0);
        }

        private static long Number(Match m, string group) => long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

        [GeneratedRegex(@"^\s*(?<n>\d+) requests in ", RegexOptions.Multiline)]
        private static partial Regex RequestsLine();

        [GeneratedRegex(@"^Requests/sec:\s+(?<rate>[\d.]+)", RegexOptions.Multiline)]
        private static partial Regex RateLine();

        [GeneratedRegex(@"Socket errors: connect (?<connect>\d+), read (?<read>\d+), write (?<write>\d+), timeout (?<timeout>\d+)")]
        private static partial Regex SocketErrorsLine();

        [GeneratedRegex(@"Non-2xx or 3xx responses: (?<n>\d+)")]
        private static partial Regex Non2xxLine();
    }
}
