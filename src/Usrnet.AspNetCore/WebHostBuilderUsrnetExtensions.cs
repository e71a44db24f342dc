using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Usrnet.Async;

namespace Usrnet.AspNetCore;

/// <summary>
/// <see cref="IWebHostBuilder"/> extensions that make Kestrel serve over a <see cref="NetworkStack"/>
/// (as <c>UseSockets</c> makes it serve over kernel sockets).
/// <code>
/// WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
/// builder.WebHost.UseUsrnet(stack);
/// WebApplication app = builder.Build();
/// app.MapGet("/", () => "hello from the user-space stack");
/// await app.RunAsync("http://0.0.0.0:8080");
/// </code>
/// </summary>
public static class WebHostBuilderUsrnetExtensions
{
    /// <summary>
    /// Makes <paramref name="stack"/> Kestrel's only transport: every endpoint is bound on the stack, by
    /// the rules of <see cref="UsrnetTransportFactory"/> (<c>http://0.0.0.0:PORT</c>, <c>http://*:PORT</c> or
    /// the stack's address; not <c>localhost</c>, which is the kernel's loopback). Transports registered
    /// before (Kestrel's sockets) are removed, so nothing listens on the kernel by mistake; call it after
    /// <c>UseKestrel</c> (<c>WebApplication.CreateBuilder</c> has already done that). The stack must outlive
    /// the host.
    /// </summary>
    public static IWebHostBuilder UseUsrnet(this IWebHostBuilder builder, NetworkStack stack)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stack);
        return builder.ConfigureServices(services =>
        {
            services.RemoveAll<IConnectionListenerFactory>();
            services.AddSingleton<IConnectionListenerFactory>(provider => new UsrnetTransportFactory(
                stack,
                provider.GetService<IOptions<UsrnetTransportOptions>>()?.Value,
                provider.GetService<ILoggerFactory>()));
        });
    }

    /// <summary>As <see cref="UseUsrnet(IWebHostBuilder, NetworkStack)"/>, with transport options (backlog, pipe sizes).</summary>
    public static IWebHostBuilder UseUsrnet(this IWebHostBuilder builder, NetworkStack stack, Action<UsrnetTransportOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.UseUsrnet(stack).ConfigureServices(services => services.Configure(configureOptions));
    }
}
