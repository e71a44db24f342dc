using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Usrnet.AspNetCore;
using Usrnet.Async;

namespace Usrnet.Tests.Async;

/// <summary>
/// An ordinary ASP.NET Core minimal API (<see cref="WebApplication.CreateBuilder()"/>) served by Kestrel
/// over a <see cref="NetworkStack"/> through <see cref="WebHostBuilderUsrnetExtensions.UseUsrnet(IWebHostBuilder, NetworkStack)"/>:
/// <list type="bullet">
/// <item><c>GET /</c>: a small text page.</item>
/// <item><c>GET /whoami</c>: the connection's local and remote endpoints as Kestrel sees them.</item>
/// <item><c>GET /bytes/{length}?seed=N</c>: <see cref="SeededContent"/> of that length.</item>
/// <item><c>GET /together/{count}</c>: answers only once <c>count</c> such requests are in flight at once.</item>
/// <item><c>POST /sha256</c>: the SHA-256 of the request body, in hex.</item>
/// </list>
/// </summary>
internal sealed class HttpTestSite : IAsyncDisposable
{
    public const string PageText = "hello over the user-space stack\n";

    private readonly WebApplication _app;
    private readonly SiteProgress _progress;

    private HttpTestSite(WebApplication app, SiteProgress progress)
    {
        _app = app;
        _progress = progress;
    }

    /// <summary>Requests that reached the site plus bytes it served: grows while any request makes progress.</summary>
    public long Progress => _progress.Value;

    /// <summary>The URLs Kestrel reports it listens on (ports chosen for port 0 included).</summary>
    public ICollection<string> Addresses => _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;

    /// <summary>Builds the site on <paramref name="stack"/> and starts it listening on <paramref name="urls"/>.</summary>
    public static async Task<HttpTestSite> StartAsync(NetworkStack stack, params string[] urls)
    {
        SiteProgress progress = new();
        HttpTestSite site = new(Build(stack, urls, configureKestrel: null, progress), progress);
        await site._app.StartAsync();
        return site;
    }

    /// <summary>Builds the site on <paramref name="stack"/> without starting it, with Kestrel options of the test's own.</summary>
    public static WebApplication Build(NetworkStack stack, string[] urls, Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>? configureKestrel, SiteProgress? progress = null)
    {
        progress ??= new SiteProgress();
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUsrnet(stack);
        if (configureKestrel is not null)
        {
            builder.WebHost.ConfigureKestrel(configureKestrel);
        }
        WebApplication app = builder.Build();
        foreach (string url in urls)
        {
            app.Urls.Add(url);
        }
        Together together = new();
        app.Use((context, next) =>
        {
            progress.Add(1);
            return next(context);
        });
        app.MapGet("/", () => Results.Text(PageText));
        app.MapGet("/whoami", (HttpContext context) =>
            $"{context.Connection.LocalIpAddress}:{context.Connection.LocalPort} {context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}");
        app.MapGet("/bytes/{length:long}", async (long length, int? seed, HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = length;
            foreach (ReadOnlyMemory<byte> chunk in SeededContent.Chunks(seed ?? 0, length))
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                progress.Add(chunk.Length);
            }
        });
        app.MapGet("/together/{count:int}", async (int count, HttpContext context) =>
        {
            await together.ArriveAndWaitAsync(count, context.RequestAborted);
            return Results.Text("together");
        });
        app.MapPost("/sha256", async (HttpContext context) =>
        {
            using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                progress.Add(read);
            }
            return Results.Text(Convert.ToHexString(sha.GetHashAndReset()));
        });
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        using CancellationTokenSource limit = new(TimeSpan.FromSeconds(10));
        await _app.StopAsync(limit.Token);
        await _app.DisposeAsync();
    }

    /// <summary>Releases every waiter once <c>count</c> have arrived; a new round starts after each release.</summary>
    /// <summary>A counter of the site's progress, shared by its request handlers.</summary>
    internal sealed class SiteProgress
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Add(long amount) => Interlocked.Add(ref _value, amount);
    }

    private sealed class Together
    {
        private readonly Lock _lock = new();
        private TaskCompletionSource _round = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public Task ArriveAndWaitAsync(int count, CancellationToken cancellationToken)
        {
            Task round;
            lock (_lock)
            {
                round = _round.Task;
                if (++_arrived == count)
                {
                    _round.SetResult();
                    _round = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _arrived = 0;
                }
            }
            return round.WaitAsync(cancellationToken);
        }
    }
}

/// <summary>
/// Deterministic bytes of any length from a seed, produced in fixed 64 KiB chunks so that the server
/// that sends them and the test that checks them generate the same stream.
/// </summary>
internal static class SeededContent
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>The content in chunks; each chunk's memory is reused by the next, so consume it before moving on.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Chunks(int seed, long length)
    {
        Random random = new(seed);
        byte[] chunk = new byte[ChunkSize];
        for (long left = length; left > 0; left -= ChunkSize)
        {
            int n = (int)Math.Min(ChunkSize, left);
            random.NextBytes(chunk.AsSpan(0, n));
            yield return chunk.AsMemory(0, n);
        }
    }

    /// <summary>SHA-256 of the content.</summary>
    public static byte[] Sha256(int seed, long length)
    {
        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (ReadOnlyMemory<byte> chunk in Chunks(seed, length))
        {
            sha.AppendData(chunk.Span);
        }
        return sha.GetHashAndReset();
    }

    /// <summary>Reads <paramref name="stream"/> to its end; returns SHA-256 and length of what it read.</summary>
    public static async Task<(byte[] Sha256, long Length)> HashAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[ChunkSize];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            total += read;
        }
        return (sha.GetHashAndReset(), total);
    }
}
