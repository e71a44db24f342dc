using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Usrnet.AspNetCore;
using Usrnet.Async;
using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet serve PORT [--root DIR]</c>: an ASP.NET Core site on Kestrel over the stack
/// (<see cref="WebHostBuilderUsrnetExtensions.UseUsrnet(IWebHostBuilder, NetworkStack)"/>): the files of DIR
/// (index.html for a directory, else a listing), and <c>/usrnet/status</c> with the interface's counters.
/// Prints the URL, serves until SIGINT or SIGTERM, then prints the counters as <c>usrnet up</c> does.
/// With <c>--kernel-sockets</c> the same site runs on Kestrel's socket transport instead, the same-run
/// baseline of bench/scale.sh: an option rather than a second project, so the baseline cannot drift from
/// the app the stack serves.
/// </summary>
internal static class ServeCommand
{
    /// <summary>The status page's path.</summary>
    public const string StatusPath = "/usrnet/status";

    /// <summary>How long connections in progress get to finish after SIGINT/SIGTERM.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        StackOptions stack = new();
        Argument<int> port = new("PORT") { Description = "TCP port to serve HTTP on (0: a free ephemeral port, printed)" };
        Option<string?> root = new("--root") { Description = "serve the files of this directory (default: only the status page)", HelpName = "DIR" };
        Option<bool> dhcp = new("--dhcp") { Description = "lease the address and gateway by DHCP first (instead of --ip and --gateway), release on exit" };
        Option<bool> kernelSockets = new("--kernel-sockets")
        {
            Description = "serve the same site on the kernel's sockets (Kestrel's socket transport, all addresses of this namespace) instead of the stack: the baseline of benchmarks; the stack options are not used",
        };
        Option<double?> stats = ProcessStats.CreateOption();
        Command command = new("serve", $"Serve HTTP with ASP.NET Core (Kestrel) over the stack: static files from --root and {StatusPath}; until interrupted, then print counters")
        {
            port, root, dhcp, kernelSockets, stats,
        };
        stack.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            int p = parse.GetValue(port);
            if (p is < 0 or > ushort.MaxValue)
            {
                throw CliError.Usage($"PORT: {p} out of range (0 to 65535; 0 picks any free port)");
            }
            ServeSettings serve = new((ushort)p, parse.GetValue(root) is string r ? ReadRoot(r) : null, ProcessStats.ReadInterval(parse, stats));
            using CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, TerminationSignals.Token);
            bool leased = parse.GetValue(dhcp);
            if (parse.GetValue(kernelSockets))
            {
                if (leased)
                {
                    throw CliError.Usage("--dhcp: not with --kernel-sockets (the kernel's addresses are used)");
                }
                return await RunAsync(null, serve, Console.Out, stop.Token).ConfigureAwait(false);
            }
            StackSettings settings = stack.Read(parse);
            if (leased)
            {
                stack.RefuseStaticAddress(parse);
            }
            await using NetworkStack network = StackDevice.StartNetworkStack(settings, dhcp: leased ? new DhcpClientOptions() : null);
            if (leased)
            {
                await StackDevice.WaitForLeaseAsync(network, Console.Out, stop.Token).ConfigureAwait(false);
            }
            return await RunAsync(network, serve, Console.Out, stop.Token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Serves until <paramref name="stop"/> fires (SIGINT, SIGTERM); returns the exit code. With a null
    /// <paramref name="stack"/> the same site is served on the kernel's sockets (<c>--kernel-sockets</c>).
    /// </summary>
    internal static async Task<int> RunAsync(NetworkStack? stack, ServeSettings serve, TextWriter output, CancellationToken stop)
    {
        ConnectionCount connections = new();
        await using WebApplication app = Build(stack, serve, connections);
        try
        {
            await app.StartAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        catch (IOException e)
        {
            throw new CliError($"{e.Message}"); // Kestrel's "Failed to bind to address …" and why
        }
        // Kestrel reports the endpoint it bound (0.0.0.0, and the port chosen for 0); print the one to browse.
        // StartAsync returns once Kestrel listens on the stack: from here a connection is accepted.
        Ipv4Address address = stack?.Address?.Address ?? Ipv4Address.Any;
        ushort bound = (ushort)new Uri(app.Urls.Single()).Port;
        string url = $"http://{address}:{bound}";
        string transport = stack is null ? " on the kernel's sockets" : "";
        output.WriteLine($"{Readiness.Listening(address, bound, "tcp")}, serving {url}{(serve.Root is null ? "" : $" from {serve.Root}")}{transport} (status: {url}{StatusPath}); Ctrl-C to stop");
        output.Flush();
        using IDisposable? statsLines = ProcessStats.Start(serve.StatsInterval, () => connections.Open, Console.Error);
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGINT or SIGTERM: stop below
        }
        using (CancellationTokenSource grace = new(ShutdownGrace))
        {
            await app.StopAsync(grace.Token).ConfigureAwait(false);
        }
        if (stack is not null)
        {
            UpCommand.PrintCounters(stack.Counters, output);
        }
        return 0;
    }

    /// <summary>
    /// The site, on the stack's transport or (<paramref name="stack"/> null) on Kestrel's socket transport:
    /// everything else is the same code, so the kernel-socket baseline of a benchmark serves the same app.
    /// </summary>
    private static WebApplication Build(NetworkStack? stack, ServeSettings serve, ConnectionCount connections)
    {
        string? root = serve.Root;
        // The empty builder: no configuration files, no environment URLs, and Kestrel without a transport
        // (UseKestrelCore), so nothing is listened on but the one transport chosen here.
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = root ?? AppContext.BaseDirectory });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.AddFilter((category, level) => level >= LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>(); // the command handles SIGINT/SIGTERM, not the host
        builder.Services.AddRoutingCore();
        builder.Services.AddDirectoryBrowser();
        builder.WebHost.UseKestrelCore();
        if (stack is null)
        {
            builder.WebHost.UseSockets();
        }
        else
        {
            builder.WebHost.UseUsrnet(stack);
        }
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Any, serve.Port, listen => listen.Use(connections.Track)));
        WebApplication app = builder.Build();

        app.MapGet(StatusPath, () => Results.Text(StatusText(stack), "text/plain; charset=utf-8"));
        if (root is null)
        {
            app.MapGet("/", () => Results.Text($"usrnet serve: no --root given; the interface's counters are at {StatusPath}\n"));
        }
        else
        {
            app.UseFileServer(new FileServerOptions
            {
                FileProvider = new PhysicalFileProvider(root),
                EnableDirectoryBrowsing = true,
                StaticFileOptions = { ServeUnknownFileTypes = true, DefaultContentType = "application/octet-stream" },
            });
        }
        return app;
    }

    /// <summary>The status page: address, MAC and every counter.</summary>
    private static string StatusText(NetworkStack? stack)
    {
        if (stack is null)
        {
            return "usrnet: kernel sockets (--kernel-sockets), no stack counters\n";
        }
        StringWriter text = new(CultureInfo.InvariantCulture);
        text.WriteLine($"usrnet: {stack.Address?.ToString() ?? "no address"}{(stack.Gateway is { } g ? $" via {g}" : "")}, MAC {stack.HardwareAddress}");
        UpCommand.PrintCounters(stack.Counters, text);
        return text.ToString();
    }

    /// <summary>
    /// The host's lifetime when the command owns it: no signal handlers of its own (the default
    /// ConsoleLifetime's would swallow SIGTERM for a host nobody waits on), start and stop when told.
    /// </summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>What <c>serve</c> serves, whichever transport: the port, the files' directory and the statistics lines' interval.</summary>
    internal sealed record ServeSettings(ushort Port, string? Root, TimeSpan? StatsInterval);

    /// <summary>Kestrel's connections open now, counted by a connection middleware (for <c>--stats-interval</c>).</summary>
    private sealed class ConnectionCount
    {
        private int _open;

        /// <summary>Connections open now, from any thread.</summary>
        public int Open => Volatile.Read(ref _open);

        /// <summary>The middleware: counts a connection for as long as the rest of Kestrel's pipeline runs it.</summary>
        public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
        {
            Interlocked.Increment(ref _open);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _open);
            }
        };
    }

    private static string ReadRoot(string path)
    {
        string full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            throw CliError.Usage($"--root: '{path}' is not a directory");
        }
        return full;
    }
}
