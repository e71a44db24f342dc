using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Usrnet.Async;
using Usrnet.Phy;
using Xunit.Abstractions;

namespace Usrnet.Tests.Async;

/// <summary>
/// <see cref="HttpClient"/> on stack A (<see cref="NetworkStackHttp.CreateHttpHandler"/>) against Kestrel on
/// stack B (<see cref="HttpTestSite"/>), over the in-memory link, with and without the fault injector.
/// </summary>
public sealed class HttpOverTheStackTests(ITestOutputHelper output)
{
    private const int Port = 8080;
    // One small request's limit. Bulk and concurrent work is waited for by its progress (StallGuard), with
    // no per-request limit: on a busy machine it may take long, but it must keep moving.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly string Site = $"http://{AsyncStackPair.AddressB}:{Port}";

    [Fact]
    public async Task AMinimalApiServesAPageAndSeesBothEndpoints()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using HttpTestSite site = await HttpTestSite.StartAsync(pair.B, $"http://0.0.0.0:{Port}");
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Limit };

        using HttpResponseMessage page = await http.GetAsync($"{Site}/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpTestSite.PageText, await page.Content.ReadAsStringAsync());
        Assert.StartsWith("text/plain", page.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);

        // Kestrel reads LocalEndPoint/RemoteEndPoint of the connection: B's address and port, A's address.
        string[] whoami = (await http.GetStringAsync($"{Site}/whoami")).Split(' ');
        Assert.Equal($"{AsyncStackPair.AddressB}:{Port}", whoami[0]);
        Assert.StartsWith($"{AsyncStackPair.AddressA}:", whoami[1], StringComparison.Ordinal);
        Assert.Contains($"http://0.0.0.0:{Port}", site.Addresses);
    }

    [Fact]
    public async Task AHundredMegabyteDownloadArrivesWithItsSha256()
    {
        const long Length = 100_000_000;
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using HttpTestSite site = await HttpTestSite.StartAsync(pair.B, $"http://0.0.0.0:{Port}");
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };

        Stopwatch clock = Stopwatch.StartNew();
        (byte[] sha, long length) = await StallGuard.WaitAsync(DownloadAsync(http, $"{Site}/bytes/{Length}?seed=7"), () => site.Progress, "a 100 MB download");
        output.WriteLine($"{Length} bytes in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(Length, length);
        Assert.Equal(SeededContent.Sha256(7, Length), sha);
    }

    [Fact]
    public async Task TwoHundredConcurrentRequestsAreInFlightAtOnceAndEachGetsItsOwnBody()
    {
        const int Requests = 200;
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using HttpTestSite site = await HttpTestSite.StartAsync(pair.B, $"http://0.0.0.0:{Port}");
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };

        // The site answers /together/200 only once 200 of them are in flight: 200 connections at once.
        string[] together = await TogetherAsync(http, site, Requests, pair);
        Assert.All(together, body => Assert.Equal("together", body));

        // Then 200 downloads at once over those pooled connections, each with content of its own.
        (byte[] Sha, long Length)[] bodies = await DownloadEachAsync(http, site, Requests, pair);
        for (int i = 0; i < Requests; i++)
        {
            Assert.Equal(20_000 + i, bodies[i].Length);
            Assert.Equal(SeededContent.Sha256(i, 20_000 + i), bodies[i].Sha);
        }
    }

    [Fact]
    public async Task AnUploadReachesTheServerIntact()
    {
        const long Length = 5_000_000;
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using HttpTestSite site = await HttpTestSite.StartAsync(pair.B, $"http://0.0.0.0:{Port}");
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };

        byte[] body = new byte[Length];
        SeededContent.Chunks(3, Length).Aggregate(0, (at, chunk) => { chunk.Span.CopyTo(body.AsSpan(at)); return at + chunk.Length; });
        using HttpResponseMessage response = await StallGuard.WaitAsync(http.PostAsync($"{Site}/sha256", new ByteArrayContent(body)), () => site.Progress, "a 5 MB upload");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Convert.ToHexString(SeededContent.Sha256(3, Length)), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OverALossyLinkThePageTheDownloadAndConcurrentRequestsAllArriveIntact()
    {
        const long Length = 100_000_000;
        const int Requests = 200;
        // Loss, reordering and duplication on A's side, both directions; seeded, so a failure repeats.
        await using AsyncStackPair pair = AsyncStackPair.Create(new FaultOptions { DropChance = 0.01, ReorderChance = 0.02, DuplicateChance = 0.01, Seed = 5 });
        await using HttpTestSite site = await HttpTestSite.StartAsync(pair.B, $"http://0.0.0.0:{Port}");
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };

        Assert.Equal(HttpTestSite.PageText, await http.GetStringAsync($"{Site}/").WaitAsync(Limit));

        Stopwatch clock = Stopwatch.StartNew();
        (byte[] sha, long length) = await StallGuard.WaitAsync(DownloadAsync(http, $"{Site}/bytes/{Length}?seed=9"), () => site.Progress, "a 100 MB download over a lossy link");
        output.WriteLine($"{Length} bytes over the lossy link in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(Length, length);
        Assert.Equal(SeededContent.Sha256(9, Length), sha);

        string[] together = await TogetherAsync(http, site, Requests, pair);
        Assert.All(together, body => Assert.Equal("together", body));
        (byte[] Sha, long Length)[] bodies = await DownloadEachAsync(http, site, Requests, pair);
        for (int i = 0; i < Requests; i++)
        {
            Assert.Equal(SeededContent.Sha256(i, 20_000 + i), bodies[i].Sha);
        }

        FaultCounters faults = pair.A.Inspect(_ => pair.Faults!.Counters); // under the gate: the loop updates them
        output.WriteLine($"faults: {faults}");
        Assert.True(faults.Dropped > 0 && faults.Reordered > 0 && faults.Duplicated > 0, $"the injector did not act: {faults}");
    }

    [Fact]
    public async Task AHostNameInTheUrlIsResolvedByTheStack()
    {
        // Stack A asks a name server on B: www.example.test is B, other names are NXDOMAIN.
        await using AsyncStackPair pair = NetworkStackDnsTests.CreateWithNameServer(out _);
        await using HttpTestSite site = await HttpTestSite.StartAsync(pair.B, $"http://0.0.0.0:{Port}");
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Limit };

        Assert.Equal(HttpTestSite.PageText, await http.GetStringAsync($"http://www.example.test:{Port}/"));

        HttpRequestException unknown = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync($"http://nothing.example.test:{Port}/"));
        Assert.Equal(HttpRequestError.NameResolutionError, unknown.HttpRequestError);
        SocketException notFound = Assert.IsType<SocketException>(unknown.InnerException);
        Assert.Equal(SocketError.HostNotFound, notFound.SocketErrorCode);
        Assert.Contains("NXDOMAIN", notFound.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutANameServerAHostNameIsNotFoundAndAnIPv6AddressIsNotSupported()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Limit };

        HttpRequestException byName = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("http://www.example.test/"));
        SocketException notFound = Assert.IsType<SocketException>(byName.InnerException);
        Assert.Equal(SocketError.HostNotFound, notFound.SocketErrorCode);
        Assert.Contains("www.example.test", notFound.Message, StringComparison.Ordinal);

        HttpRequestException v6 = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("http://[2001:db8::1]/"));
        Assert.Equal(SocketError.AddressFamilyNotSupported, Assert.IsType<SocketException>(v6.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task AClosedPortFailsTheRequestWithConnectionRefused()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Limit };
        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync($"http://{AsyncStackPair.AddressB}:81/"));
        Assert.Equal(HttpRequestError.ConnectionError, e.HttpRequestError);
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
    }

    /// <summary>
    /// <paramref name="count"/> requests of <c>/together/count</c> at once: none is answered before all have
    /// arrived. Waited for while requests keep arriving (<see cref="StallGuard"/>), not by the clock.
    /// </summary>
    private static Task<string[]> TogetherAsync(HttpClient http, HttpTestSite site, int count, AsyncStackPair pair) =>
        StallGuard.WaitAsync(
            Task.WhenAll(Enumerable.Range(0, count).Select(_ => http.GetStringAsync($"{Site}/together/{count}"))),
            () => site.Progress, $"{count} requests in flight at once", pair.Describe);

    /// <summary><paramref name="count"/> downloads at once, of 20 000 + i bytes seeded with i, while bytes keep flowing.</summary>
    private static Task<(byte[] Sha, long Length)[]> DownloadEachAsync(HttpClient http, HttpTestSite site, int count, AsyncStackPair pair) =>
        StallGuard.WaitAsync(
            Task.WhenAll(Enumerable.Range(0, count).Select(i => DownloadAsync(http, $"{Site}/bytes/{20_000 + i}?seed={i}"))),
            () => site.Progress, $"{count} downloads at once", pair.Describe);

    private static async Task<(byte[] Sha, long Length)> DownloadAsync(HttpClient http, string url)
    {
        using HttpResponseMessage response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using Stream body = await response.Content.ReadAsStreamAsync();
        return await SeededContent.HashAsync(body);
    }
}
