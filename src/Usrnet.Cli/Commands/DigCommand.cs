using System.CommandLine;
using Usrnet.Sockets.Dns;
using Usrnet.Wire;

namespace Usrnet.Cli.Commands;

/// <summary>
/// <c>usrnet dig NAME</c>: a DNS lookup over the stack, printed as <c>dig +short</c> prints it (one record
/// per line: the CNAME targets followed, with their final dot, then the addresses), and on stderr one
/// line <c>;; Query time: N msec; SERVER: ADDR#53(udp|tcp)</c>. Exit codes: 0 with an answer, and for
/// NODATA (the name exists without records of the type, as dig); 1 with one line naming the failure
/// (NXDOMAIN, SERVFAIL, REFUSED, timeout...), where dig exits 0 for an answer with an error code; 2 for
/// a malformed argument.
/// </summary>
internal static class DigCommand
{
    /// <summary>The types the command asks for (DESIGN.md §4).</summary>
    private static readonly DnsRecordType[] s_types = [DnsRecordType.A, DnsRecordType.AAAA, DnsRecordType.CNAME];

    public static Command Create()
    {
        StackOptions stack = new();
        Argument<string> name = new("NAME") { Description = "domain name to look up" };
        Option<string?> server = new("--server") { Description = "name server to ask (default: the --gateway address)", HelpName = "ADDR" };
        Option<string> type = new("--type", "-t") { Description = "record type: A, AAAA or CNAME (default A)", HelpName = "TYPE", DefaultValueFactory = _ => "A" };
        Option<double> time = new("--time")
        {
            Description = $"seconds to wait for the first answer, doubled for each retry (default {DnsResolverOptions.Default.InitialTimeout.TotalSeconds}; dig's +time is a fixed 5)",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => DnsResolverOptions.Default.InitialTimeout.TotalSeconds,
        };
        Option<int> tries = new("--tries") { Description = $"UDP queries to send in all (default {DnsResolverOptions.Default.Attempts}, as dig's +tries)", HelpName = "N", DefaultValueFactory = _ => DnsResolverOptions.Default.Attempts };
        Option<string?> search = new("--search")
        {
            Description = "search domain: a NAME without a dot is asked with it appended first, a NAME with a dot is asked as it is first (resolv.conf's ndots:1); a NAME ending in a dot never gets it",
            HelpName = "DOMAIN",
        };
        Command command = new("dig", "Look up DNS records over the stack and print them like dig +short; CNAME chains are followed to the records asked for. Exits 1 on NXDOMAIN, SERVFAIL, REFUSED or timeout (dig exits 0 for answers with an error code)")
        {
            name, server, type, time, tries, search,
        };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            Options options = ReadOptions(settings, parse.GetValue(name), parse.GetValue(server), parse.GetValue(type), parse.GetValue(time), parse.GetValue(tries), parse.GetValue(search));
            using StackHost host = StackHost.Start(settings);
            return Run(host, options, Console.Out, Console.Error);
        });
        return command;
    }

    internal sealed record Options(string Name, DnsRecordType Type, Ipv4Address Server, string? SearchDomain, DnsResolverOptions Resolver);

    internal static Options ReadOptions(StackSettings settings, string? name, string? serverText, string? typeText, double timeSeconds, int tries, string? search)
    {
        Span<byte> wire = stackalloc byte[DnsName.MaxLength];
        if (string.IsNullOrEmpty(name) || !DnsName.TryEncode(name, wire, out _))
        {
            throw CliError.Usage($"dig: '{name}' is not a valid domain name (labels of 1 to 63 ASCII characters, 255 octets in all)");
        }
        DnsRecordType type = Array.Find(s_types, t => string.Equals(t.ToString(), typeText, StringComparison.OrdinalIgnoreCase));
        if (type == 0)
        {
            throw CliError.Usage($"dig: --type: '{typeText}' is not one of {string.Join(", ", s_types)}");
        }
        Ipv4Address server;
        if (serverText is not null)
        {
            if (!Ipv4Address.TryParse(serverText, out server) || !server.IsUnicast)
            {
                throw CliError.Usage($"dig: --server: '{serverText}' is not a unicast IPv4 address");
            }
        }
        else if (settings.Gateway is { } gateway)
        {
            server = gateway;
        }
        else
        {
            throw CliError.Usage("dig: no name server: give --server ADDR (the default is the --gateway address, and it is none)");
        }
        if (tries is < 1 or > 100)
        {
            throw CliError.Usage($"dig: --tries: {tries} out of range (1 to 100)");
        }
        TimeSpan initial = CommandLineValues.Seconds("--time", timeSeconds, minimum: 0.001);
        if (search is not null && (search.Length == 0 || !DnsName.TryEncode(search, wire, out _)))
        {
            throw CliError.Usage($"dig: --search: '{search}' is not a valid domain name");
        }
        DnsResolverOptions resolver = DnsResolverOptions.Default with
        {
            InitialTimeout = initial,
            MaxTimeout = initial > DnsResolverOptions.Default.MaxTimeout ? initial : DnsResolverOptions.Default.MaxTimeout,
            Attempts = tries,
        };
        return new Options(name, type, server, search, resolver);
    }

    internal static int Run(StackHost host, Options o, TextWriter output, TextWriter error)
    {
        DnsResolver resolver = new(host.Interface.Sockets, o.Resolver) { Servers = [o.Server], SearchDomain = o.SearchDomain };
        using DnsQuery query = resolver.StartQuery(o.Name, o.Type, Instant.Now);
        while (query.Status == DnsQueryStatus.Pending)
        {
            if (host.IsStopping)
            {
                throw new CliError($"dig: {o.Name}: interrupted");
            }
            Instant now = host.PollUntil(resolver.PollAt(Instant.Now));
            resolver.Poll(now, host.Interface.Address?.Address);
        }
        if (query.Status == DnsQueryStatus.Failed && query.Error != DnsError.NoData)
        {
            throw new CliError($"dig: {o.Name}: {Describe(query.Error, o)}");
        }
        foreach (DnsRecord alias in query.CanonicalNameChain)
        {
            output.WriteLine(alias.DataText);
        }
        foreach (DnsRecord record in query.Answers)
        {
            output.WriteLine(record.DataText);
        }
        output.Flush();
        long milliseconds = (long)((query.CompletedAt ?? Instant.Now) - query.StartedAt).TotalMilliseconds;
        string transport = query.Transport == DnsTransport.Tcp ? "tcp" : "udp";
        error.WriteLine($";; Query time: {milliseconds} msec; SERVER: {query.Server ?? o.Server}#{DnsResolver.ServerPort}({transport})");
        if (query.Error == DnsError.NoData)
        {
            error.WriteLine($";; NODATA: {o.Name} has no {o.Type} records");
        }
        return 0;
    }

    /// <summary>The failure in dig's words (its status names), with what it means.</summary>
    private static string Describe(DnsError error, Options o) => error switch
    {
        DnsError.NameError => "NXDOMAIN (no such name)",
        DnsError.ServerFailure => $"SERVFAIL (the server {o.Server} could not answer)",
        DnsError.Refused => $"REFUSED (the server {o.Server} refused to answer)",
        DnsError.NotImplemented => $"NOTIMP (the server {o.Server} does not do this kind of query)",
        DnsError.FormatError => $"FORMERR (the server {o.Server} could not read the query)",
        DnsError.Timeout => $"timeout: no answer from {o.Server}#{DnsResolver.ServerPort} after {o.Resolver.Attempts} {(o.Resolver.Attempts == 1 ? "try" : "tries")}",
        DnsError.ConnectionRefused => $"connection refused by {o.Server}#{DnsResolver.ServerPort} (no name server there)",
        DnsError.ServerUnreachable => $"server {o.Server}#{DnsResolver.ServerPort} unreachable (no ARP answer, ICMP host or network unreachable, or the TCP connection failed)",
        DnsError.NetworkUnreachable => "network unreachable (the interface has no address for TCP)",
        DnsError.Malformed => $"malformed answer from {o.Server}",
        DnsError.CanonicalNameChainTooLong => $"CNAME chain loops or is longer than {o.Resolver.MaxCanonicalNameChain}",
        DnsError.NoServers => "no name server",
        _ => error.ToString(),
    };
}
