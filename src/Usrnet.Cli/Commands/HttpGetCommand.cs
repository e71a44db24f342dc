using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Usrnet.Async;
using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet http-get URL</c>: <see cref="HttpClient"/> over the stack (<see cref="NetworkStackHttp.CreateHttpHandler"/>).
/// The body goes to stdout (or <c>-o FILE</c>); the status line, a progress line when stderr is a
/// terminal, and errors go to stderr. Exit 0 for a 1xx–3xx answer; 1 with one line for HTTP 400 and
/// above (like <c>curl --fail</c>: no body then), a host name that does not resolve (through the stack's
/// resolver, asking <c>--dns</c> or the gateway), a refused, reset or timed-out connection, or
/// <c>--max-time</c> passing; 2 for a malformed URL.
/// </summary>
internal static partial class HttpGetCommand
{
    private const int CopyBufferSize = 64 * 1024;

    /// <summary>curl's exit code for a host name that does not resolve (CURLE_COULDNT_RESOLVE_HOST).</summary>
    public const int CouldNotResolveHostExitCode = 6;

    /// <summary>curl's exit code for a connection refused, unreachable or timed out (CURLE_COULDNT_CONNECT).</summary>
    public const int CouldNotConnectExitCode = 7;

    /// <summary>curl's exit code for a body shorter than its Content-Length (CURLE_PARTIAL_FILE).</summary>
    public const int PartialFileExitCode = 18;

    /// <summary>curl <c>--fail</c>'s exit code for HTTP 400 and above (CURLE_HTTP_RETURNED_ERROR).</summary>
    public const int HttpErrorExitCode = 22;

    /// <summary>curl's exit code when <c>-m</c> passes (CURLE_OPERATION_TIMEDOUT).</summary>
    public const int TimedOutExitCode = 28;

    /// <summary>curl's exit code for a failed TLS handshake (CURLE_SSL_CONNECT_ERROR).</summary>
    public const int TlsHandshakeExitCode = 35;

    /// <summary>curl's exit code for a connection that failed while the answer came in (CURLE_RECV_ERROR).</summary>
    public const int ReceiveErrorExitCode = 56;

    public static Command Create()
    {
        StackOptions stack = new();
        Argument<string> url = new("URL") { Description = "http:// or https:// URL; the host as an IPv4 address or a name (e.g. http://10.0.1.2:8000/)" };
        Option<string?> dns = new("--dns") { Description = "name server that resolves a host name in URL (default: the --gateway address; with --dhcp, the lease's)", HelpName = "ADDR" };
        Option<string?> outputFile = new("--output", "-o") { Description = "write the body to FILE instead of stdout", HelpName = "FILE" };
        Option<double?> maxTime = new("--max-time", "-m") { Description = "give up after this many seconds, as curl -m (default: no limit)", HelpName = "SECONDS" };
        Option<bool> dhcp = new("--dhcp") { Description = "lease the address, gateway and name servers by DHCP first (instead of --ip and --gateway), release on exit" };
        Command command = new("http-get", "Fetch a URL with HttpClient over the stack: body to stdout, status and progress on stderr; exit 1 on HTTP 400 and above (no body then, like curl --fail)")
        {
            url, outputFile, maxTime, dns, dhcp,
        };
        stack.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            StackSettings settings = stack.Read(parse);
            Uri target = ReadUrl(parse.GetValue(url));
            TimeSpan? limit = parse.GetValue(maxTime) is double seconds ? CommandLineValues.Seconds("--max-time", seconds, minimum: 0.001) : null;
            string? path = parse.GetValue(outputFile);
            if (path is not null)
            {
                CheckOutputPath(path);
            }
            using CancellationTokenSource interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, TerminationSignals.Token);
            bool leased = parse.GetValue(dhcp);
            if (leased)
            {
                stack.RefuseStaticAddress(parse);
            }
            Ipv4Address? server = ReadNameServer(parse.GetValue(dns), leased ? null : settings.Gateway);
            await using NetworkStack network = StackDevice.StartNetworkStack(settings, server is { } a ? [a] : [], leased ? new DhcpClientOptions() : null);
            if (leased)
            {
                await StackDevice.WaitForLeaseAsync(network, Console.Error, interrupted.Token).ConfigureAwait(false);
            }
            using HttpClient http = new(network.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
            await using Stream body = path is null ? Console.OpenStandardOutput() : OpenOutput(path);
            bool progress = !Console.IsErrorRedirected;
            return await RunAsync(http, target, limit, body, Console.Error, progress, interrupted.Token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Fetches <paramref name="url"/> into <paramref name="body"/>; returns the exit code, or throws <see cref="CliError"/>.</summary>
    internal static async Task<int> RunAsync(HttpClient http, Uri url, TimeSpan? limit, Stream body, TextWriter error, bool progress, CancellationToken interrupted)
    {
        using CancellationTokenSource timeout = new(limit ?? Timeout.InfiniteTimeSpan);
        using CancellationTokenSource cancel = CancellationTokenSource.CreateLinkedTokenSource(interrupted, timeout.Token);
        try
        {
            using HttpResponseMessage response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancel.Token).ConfigureAwait(false);
            error.WriteLine($"HTTP/{response.Version} {(int)response.StatusCode} {response.ReasonPhrase}");
            error.Flush();
            if ((int)response.StatusCode >= 400)
            {
                throw new CliError($"{url}: {(int)response.StatusCode} {response.ReasonPhrase}", HttpErrorExitCode);
            }
            await using Stream content = await response.Content.ReadAsStreamAsync(cancel.Token).ConfigureAwait(false);
            TransferProgress? meter = progress ? new TransferProgress(error, response.Content.Headers.ContentLength) : null;
            byte[] buffer = new byte[CopyBufferSize];
            long received = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, cancel.Token).ConfigureAwait(false)) > 0)
            {
                await body.WriteAsync(buffer.AsMemory(0, read), cancel.Token).ConfigureAwait(false);
                received += read;
                meter?.Report(received);
            }
            await body.FlushAsync(cancel.Token).ConfigureAwait(false);
            meter?.Finish(received);
            if (response.Content.Headers.ContentLength is long expected && expected != received)
            {
                throw new CliError($"{url}: the body ended after {received} of {expected} bytes", PartialFileExitCode);
            }
            return 0;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new CliError($"{url}: no complete answer within {limit!.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (--max-time)", TimedOutExitCode);
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            throw new CliError($"{url}: interrupted");
        }
        catch (HttpRequestException e)
        {
            throw Failure(url, e, ReceiveErrorExitCode);
        }
        catch (IOException e) when (e.InnerException is SocketException or HttpRequestException)
        {
            // The body's stream failed part-way: reset or lost connection.
            throw new CliError($"{url}: transfer failed: {Describe(e.InnerException).Message}", ReceiveErrorExitCode);
        }
    }

    /// <summary>A failed request as curl would exit for it; <paramref name="otherwise"/> when nothing more precise is known.</summary>
    private static CliError Failure(Uri url, HttpRequestException e, int otherwise)
    {
        (string message, int? code) = Describe(e);
        int exitCode = code ?? e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => CouldNotResolveHostExitCode,
            HttpRequestError.ConnectionError => CouldNotConnectExitCode,
            HttpRequestError.SecureConnectionError => TlsHandshakeExitCode,
            _ => otherwise,
        };
        if (e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            message = $"TLS handshake failed: {message} (is the server at {url.Authority} speaking HTTPS? an http:// server answers a TLS hello with plain text)";
        }
        return new CliError($"{url}: {message}", exitCode);
    }

    /// <summary>The URL, or why it is not one this command fetches: the scheme, the port, or the syntax.</summary>
    private static Uri ReadUrl(string? text)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out Uri? url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            if (url.Port == 0)
            {
                throw CliError.Usage($"'{text}': port 0 out of range (1 to 65535)");
            }
            return url;
        }
        if (UrlParts().Match(text ?? "") is { Success: true } parts)
        {
            string scheme = parts.Groups["scheme"].Value;
            if (!scheme.Equals(Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase) && !scheme.Equals(Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
            {
                throw CliError.Usage($"'{text}': scheme '{scheme}' is not supported (http:// or https://)");
            }
            if (parts.Groups["port"] is { Success: true } port && !(int.TryParse(port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is >= 1 and <= ushort.MaxValue))
            {
                throw CliError.Usage($"'{text}': port {port.Value} out of range (1 to 65535)");
            }
        }
        throw CliError.Usage($"'{text}' is not an http:// or https:// URL");
    }

    /// <summary>scheme://authority with the port, when there is one, as written (to say which part is wrong).</summary>
    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*)(?::(?<port>[^/?#]*))?")]
    private static partial Regex UrlParts();

    /// <summary>Refuses, before the stack starts, an <c>-o</c> that cannot be a file: a directory, or one in a directory that does not exist.</summary>
    private static void CheckOutputPath(string path)
    {
        if (path.Length == 0)
        {
            throw CliError.Usage("--output: the file name is empty");
        }
        if (Directory.Exists(path))
        {
            throw CliError.Usage($"--output: '{path}' is a directory (give a file name in it)");
        }
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw CliError.Usage($"--output: directory '{directory}' does not exist");
        }
    }

    /// <summary>The name server: <c>--dns</c>, else <paramref name="fallback"/> (the gateway, as <c>usrnet dig</c> asks; none with DHCP, whose lease names them).</summary>
    private static Ipv4Address? ReadNameServer(string? text, Ipv4Address? fallback)
    {
        if (text is null)
        {
            return fallback;
        }
        if (!Ipv4Address.TryParse(text, out Ipv4Address server) || !server.IsUnicast)
        {
            throw CliError.Usage($"--dns: '{text}' is not a unicast IPv4 address");
        }
        return server;
    }

    private static FileStream OpenOutput(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliError.Usage($"--output: cannot write '{path}': {e.Message}");
        }
    }

    /// <summary>
    /// One line for a failed request: what the connection said, in the words <c>tcp-cat</c> uses, or the
    /// innermost exception's own message (never "see inner exception"); and curl's exit code when a
    /// socket error decides it.
    /// </summary>
    private static (string Message, int? ExitCode) Describe(Exception? e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    // The resolver's messages name the host and the DNS outcome (NXDOMAIN, SERVFAIL, timeout…).
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => ($"could not resolve host {socket.Message}", CouldNotResolveHostExitCode),
                    SocketError.AddressFamilyNotSupported => (socket.Message, CouldNotConnectExitCode),
                    SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut
                        => (TcpCatCommand.Describe(socket.SocketErrorCode), CouldNotConnectExitCode),
                    _ => (TcpCatCommand.Describe(socket.SocketErrorCode), null),
                };
            }
        }
        Exception? innermost = e;
        while (innermost?.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }
        return (innermost?.Message.TrimEnd('.') ?? "failed", null);
    }

    /// <summary>
    /// The progress line on a terminal: bytes so far (of the total when known) and the mean rate,
    /// redrawn in place at most four times a second.
    /// </summary>
    private sealed class TransferProgress(TextWriter output, long? total)
    {
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _lastDrawn = TimeSpan.MinValue;
        private int _lastWidth;

        public void Report(long received)
        {
            if (_lastDrawn != TimeSpan.MinValue && _clock.Elapsed - _lastDrawn < Interval)
            {
                return;
            }
            Draw(received);
        }

        public void Finish(long received)
        {
            Draw(received);
            output.WriteLine();
            output.Flush();
        }

        private void Draw(long received)
        {
            _lastDrawn = _clock.Elapsed;
            double seconds = Math.Max(_lastDrawn.TotalSeconds, 1e-3);
            string of = total is long t && t > 0 ? $" of {Bytes(t)} ({100.0 * received / t:F0}%)" : "";
            string line = string.Create(CultureInfo.InvariantCulture, $"{Bytes(received)}{of}  {Bytes(received / seconds)}/s  {seconds:F1} s");
            output.Write('\r' + line.PadRight(_lastWidth));
            output.Flush();
            _lastWidth = line.Length;
        }

        private static string Bytes(double n) => n switch
        {
            >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e9:F2} GB"),
            >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e6:F1} MB"),
            >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e3:F1} kB"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{n:F0} B"),
        };
    }
}
