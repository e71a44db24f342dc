using System.CommandLine;
using System.Globalization;
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
    /// <summary>The types the command asks for (docs/articles/design.md §4).</summary>
    private static readonly DnsRecordType[] s_types = [DnsRecordType.A, DnsRecordType.AAAA, DnsRecordType.CNAME];

    /// <summary>Record types dig knows that this command does not ask for: named in the refusal, not taken as a domain name.</summary>
    private static readonly HashSet<string> s_otherTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "ANY", "CAA", "DNSKEY", "DS", "HINFO", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT",
    };

    /// <summary>The +options understood, as the refusal of any other lists them.</summary>
    private const string KnownPlusOptions = "+short, +time=SECONDS, +tries=N, +retry=N";

    public static Command Create()
    {
        StackOptions stack = new();
        Argument<string[]> words = new("QUERY")
        {
            HelpName = "[@SERVER] NAME [TYPE] [+short]",
            Description = "as dig takes them, in any order: @ADDR the name server, the domain name, a type (A, AAAA or CNAME), and +short (the output always is), +time=SECONDS, +tries=N, +retry=N",
            Arity = ArgumentArity.OneOrMore,
        };
        Option<string?> server = new("--server") { Description = "name server to ask, as @ADDR (default: the --gateway address)", HelpName = "ADDR" };
        Option<string?> type = new("--type", "-t") { Description = "record type: A, AAAA or CNAME (default A), as a TYPE word", HelpName = "TYPE" };
        Option<double?> time = new("--time")
        {
            Description = $"seconds to wait for the first answer, doubled for each retry (default {DnsResolverOptions.Default.InitialTimeout.TotalSeconds}; dig's +time is a fixed 5); also +time=SECONDS",
            HelpName = "SECONDS",
        };
        Option<int?> tries = new("--tries") { Description = $"UDP queries to send in all (default {DnsResolverOptions.Default.Attempts}); also +tries=N, or +retry=N for N + 1", HelpName = "N" };
        Option<string?> search = new("--search")
        {
            Description = "search domain: a NAME without a dot is asked with it appended first, a NAME with a dot is asked as it is first (resolv.conf's ndots:1); a NAME ending in a dot never gets it",
            HelpName = "DOMAIN",
        };
        Command command = new("dig", "Look up DNS records over the stack and print them like dig +short; CNAME chains are followed to the records asked for. Exits 1 on NXDOMAIN, SERVFAIL, REFUSED or timeout (dig exits 0 for answers with an error code)")
        {
            words, server, type, time, tries, search,
        };
        stack.AddTo(command);
        command.SetAction(parse =>
        {
            StackSettings settings = stack.Read(parse);
            Query query = ReadWords(parse.GetValue(words) ?? [], new Query(null, parse.GetValue(server), parse.GetValue(type), parse.GetValue(time), parse.GetValue(tries)));
            Options options = ReadOptions(settings, query, parse.GetValue(search));
            using StackHost host = StackHost.Start(settings, dns: options.Resolver);
            return Run(host, options, Console.Out, Console.Error);
        });
        return command;
    }

    internal sealed record Options(string Name, DnsRecordType Type, Ipv4Address Server, string? SearchDomain, DnsResolverOptions Resolver);

    /// <summary>What the command line asks, before validation: from the flags, then dig's words.</summary>
    internal sealed record Query(string? Name, string? Server, string? Type, double? TimeSeconds, int? Tries);

    /// <summary>
    /// Reads dig's own syntax, <c>[@SERVER] NAME [TYPE] [+option…]</c> in any order, over what the flags
    /// gave in <paramref name="flags"/>: a word starting with @ is the server, with + an option, a type
    /// mnemonic is the type, any other word the name (one only).
    /// </summary>
    internal static Query ReadWords(IReadOnlyList<string> words, Query flags)
    {
        Query query = flags;
        foreach (string word in words)
        {
            if (word.StartsWith('@'))
            {
                query = query with { Server = word[1..] };
            }
            else if (word.StartsWith('+'))
            {
                query = ReadPlusOption(word, query);
            }
            else if (Array.Exists(s_types, t => string.Equals(t.ToString(), word, StringComparison.OrdinalIgnoreCase)) || s_otherTypes.Contains(word))
            {
                query = query with { Type = word };
            }
            else if (query.Name is not null)
            {
                throw CliError.Usage($"'{word}': one NAME per lookup (already '{query.Name}')");
            }
            else
            {
                query = query with { Name = word };
            }
        }
        return query;
    }

    /// <summary>dig's +options that mean something here; any other is refused, naming those.</summary>
    private static Query ReadPlusOption(string word, Query query)
    {
        string[] parts = word[1..].Split('=', 2);
        string key = parts[0].ToLowerInvariant();
        string? value = parts.Length == 2 ? parts[1] : null;
        return key switch
        {
            "short" when value is null => query, // the output always is dig +short's
            "time" when value is not null => query with { TimeSeconds = PlusNumber(word, value, "a number of seconds") },
            "tries" when value is not null => query with { Tries = (int)PlusNumber(word, value, "a whole number", whole: true) },
            "retry" when value is not null => query with { Tries = (int)PlusNumber(word, value, "a whole number", whole: true) + 1 },
            _ => throw CliError.Usage($"{word}: not supported (usrnet dig understands {KnownPlusOptions})"),
        };
    }

    private static double PlusNumber(string word, string value, string expected, bool whole = false)
    {
        NumberStyles styles = whole ? NumberStyles.Integer : NumberStyles.Float;
        if (!double.TryParse(value, styles, CultureInfo.InvariantCulture, out double number) || (whole && number is > int.MaxValue or < int.MinValue))
        {
            throw CliError.Usage($"{word}: '{value}' is not {expected}");
        }
        return number;
    }

    internal static Options ReadOptions(StackSettings settings, Query q, string? search)
    {
        string? name = q.Name;
        Span<byte> wire = stackalloc byte[DnsName.MaxLength];
        if (name is null)
        {
            throw CliError.Usage("no NAME to look up (usrnet dig [@SERVER] NAME [TYPE])");
        }
        if (name.Length == 0 || !DnsName.TryEncode(name, wire, out _))
        {
            throw CliError.Usage($"'{name}' is not a valid domain name (labels of 1 to 63 ASCII characters, 255 octets in all)");
        }
        string typeText = q.Type ?? "A";
        DnsRecordType type = Array.Find(s_types, t => string.Equals(t.ToString(), typeText, StringComparison.OrdinalIgnoreCase));
        if (type == 0)
        {
            throw CliError.Usage($"type '{typeText}' is not supported: A, AAAA or CNAME");
        }
        Ipv4Address server;
        if (q.Server is string serverText)
        {
            if (!Ipv4Address.TryParse(serverText, out server) || !server.IsUnicast)
            {
                throw CliError.Usage($"server '{serverText}' is not a unicast IPv4 address (names are not resolved for @SERVER)");
            }
        }
        else if (settings.Gateway is { } gateway)
        {
            server = gateway;
        }
        else
        {
            throw CliError.Usage("no name server: give @ADDR or --server ADDR (the default is the --gateway address, and it is none)");
        }
        int tries = q.Tries ?? DnsResolverOptions.Default.Attempts;
        if (tries is < 1 or > 100)
        {
            throw CliError.Usage($"tries: {tries} out of range (1 to 100)");
        }
        double timeSeconds = q.TimeSeconds ?? DnsResolverOptions.Default.InitialTimeout.TotalSeconds;
        TimeSpan initial = CommandLineValues.Seconds("time", timeSeconds, minimum: 0.001);
        if (search is not null && (search.Length == 0 || !DnsName.TryEncode(search, wire, out _)))
        {
            throw CliError.Usage($"--search: '{search}' is not a valid domain name");
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
        // The runner's resolver, made with o.Resolver's timeouts (StackHost.Start), polled in every round.
        DnsResolver resolver = host.Runner.Resolver;
        resolver.Servers = [o.Server];
        resolver.SearchDomain = o.SearchDomain;
        using DnsQuery query = resolver.StartQuery(o.Name, o.Type, host.Now);
        while (query.Status == DnsQueryStatus.Pending)
        {
            if (host.IsStopping)
            {
                throw new CliError($"{o.Name}: interrupted");
            }
            host.PollUntil(null);
        }
        if (query.Status == DnsQueryStatus.Failed && query.Error != DnsError.NoData)
        {
            throw new CliError($"{o.Name}: {Describe(query.Error, o)}");
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
        long milliseconds = (long)((query.CompletedAt ?? host.Now) - query.StartedAt).TotalMilliseconds;
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
