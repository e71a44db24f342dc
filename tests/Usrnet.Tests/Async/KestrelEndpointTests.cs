using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Usrnet.AspNetCore;
using Usrnet.Async;
using Usrnet.Sockets;

namespace Usrnet.Tests.Async;

/// <summary>
/// Which endpoints Kestrel can bind over the stack (<see cref="UsrnetTransportFactory"/>'s rules), as a
/// user meets them: through URLs and <c>Listen</c> calls of an ordinary ASP.NET Core application.
/// </summary>
public sealed class KestrelEndpointTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("http://0.0.0.0:8081", "http://0.0.0.0:8081")]
    [InlineData("http://10.0.0.2:8082", "http://10.0.0.2:8082")]
    [InlineData("http://*:8083", "http://0.0.0.0:8083")] // Kestrel tries [::] first; the refusal makes it fall back to 0.0.0.0
    public async Task AnyAddressTheStacksAddressAndStarServeOnTheStack(string url, string reported)
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using HttpTestSite site = await HttpTestSite.StartAsync(pair.B, url);
        Assert.Equal([reported], site.Addresses);
        int port = new Uri(reported).Port;
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Limit };
        Assert.Equal(HttpTestSite.PageText, await http.GetStringAsync($"http://{AsyncStackPair.AddressB}:{port}/"));
    }

    [Fact]
    public async Task PortZeroBindsAnEphemeralPortThatKestrelReports()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using HttpTestSite site = await HttpTestSite.StartAsync(pair.B, "http://0.0.0.0:0");
        Uri bound = new(Assert.Single(site.Addresses));
        Assert.InRange(bound.Port, SocketSet.EphemeralPortFirst, SocketSet.EphemeralPortLast);
        using HttpClient http = new(pair.A.CreateHttpHandler()) { Timeout = Limit };
        Assert.Equal(HttpTestSite.PageText, await http.GetStringAsync($"http://{AsyncStackPair.AddressB}:{bound.Port}/"));
    }

    [Fact]
    public async Task LocalhostIsRefusedNamingWhatToListenOnInstead()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using WebApplication app = HttpTestSite.Build(pair.B, ["http://localhost:8084"], configureKestrel: null);
        // Kestrel tries 127.0.0.1 and [::1], then reports both failures under its own message.
        Exception e = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        string messages = AllMessages(e);
        Assert.Contains("127.0.0.1:8084: loopback (localhost) is the kernel's, not the usrnet stack's", messages, StringComparison.Ordinal);
        Assert.Contains("listen on 0.0.0.0:8084", messages, StringComparison.Ordinal);
        Assert.Contains("10.0.0.2:8084", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnIPv6EndpointIsRefusedNamingWhatToListenOnInstead()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using WebApplication app = HttpTestSite.Build(pair.B, [], kestrel => kestrel.Listen(IPAddress.IPv6Any, 8085));
        InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());
        Assert.Equal("[::]:8085: the usrnet stack speaks IPv4 only; listen on 0.0.0.0:8085 (IPAddress.Any, http://0.0.0.0:8085) or on the stack's address 10.0.0.2:8085", e.Message);
    }

    [Fact]
    public async Task AnAddressThatIsNotTheStacksIsRefused()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using WebApplication app = HttpTestSite.Build(pair.B, [], kestrel => kestrel.Listen(IPAddress.Parse("10.0.0.9"), 8086));
        InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());
        Assert.StartsWith("10.0.0.9:8086: 10.0.0.9 is not the usrnet stack's address; listen on 0.0.0.0:8086", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseUsrnetLeavesNoOtherTransportSoNothingListensOnTheKernel()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using WebApplication app = HttpTestSite.Build(pair.B, [], configureKestrel: null);
        IConnectionListenerFactory only = Assert.Single(app.Services.GetServices<IConnectionListenerFactory>());
        Assert.Same(pair.B, Assert.IsType<UsrnetTransportFactory>(only).Stack);
    }

    [Fact]
    public async Task HttpsWorksOverTheStackWithASelfSignedCertificate()
    {
        // TLS is the handler's and Kestrel's own (SslStream over TcpStream): nothing in the stack knows about it.
        using X509Certificate2 certificate = SelfSignedFor(AsyncStackPair.AddressB.ToIPAddress());
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using WebApplication app = HttpTestSite.Build(pair.B, [], kestrel => kestrel.Listen(IPAddress.Any, 8443, listen => listen.UseHttps(certificate)));
        await app.StartAsync();
        try
        {
            SocketsHttpHandler handler = pair.A.CreateHttpHandler();
            string? seen = null;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) =>
            {
                seen = presented?.GetCertHashString();
                // Trusted by pinning: untrusted root is the only complaint, and it is this very certificate.
                return errors == SslPolicyErrors.RemoteCertificateChainErrors && seen == certificate.GetCertHashString();
            };
            using HttpClient http = new(handler) { Timeout = Limit };
            Assert.Equal(HttpTestSite.PageText, await http.GetStringAsync($"https://{AsyncStackPair.AddressB}:8443/"));
            Assert.Equal(certificate.GetCertHashString(), seen);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static X509Certificate2 SelfSignedFor(IPAddress address)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        CertificateRequest request = new($"CN={address}", key, HashAlgorithmName.SHA256);
        SubjectAlternativeNameBuilder names = new();
        names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // id-kp-serverAuth
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
    }

    private static string AllMessages(Exception e) => e switch
    {
        AggregateException aggregate => string.Join(" | ", aggregate.InnerExceptions.Select(AllMessages).Prepend(aggregate.Message)),
        { InnerException: { } inner } => $"{e.Message} | {AllMessages(inner)}",
        _ => e.Message,
    };
}
