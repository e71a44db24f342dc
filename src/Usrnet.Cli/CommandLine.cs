using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Usrnet.Cli;

/// <summary>
/// Parses and runs a command line the way every usrnet command reports: errors as one line on stderr,
/// <c>usrnet: COMMAND: message</c>, with exit code 2 for what the user typed; after SIGINT or SIGTERM
/// <c>usrnet: COMMAND: interrupted</c> and exit code 130 or 143 (<see cref="TerminationSignals"/>).
/// </summary>
public static class CommandLine
{
    /// <summary>
    /// Commands that, like iputils <c>ping</c> and <c>arping</c>, end on SIGINT by printing their statistics
    /// and exiting with the code those give (0 when replies came), not 130.
    /// </summary>
    private static readonly HashSet<string> s_exitAsIputils = ["ping", "arping"];

    /// <summary>
    /// The parser's configuration: no response files, so that <c>@x</c> is an argument (dig's
    /// <c>@SERVER</c>), never "read arguments from file x".
    /// </summary>
    public static ParserConfiguration Configuration { get; } = new() { ResponseFileTokenReplacer = null };

    /// <summary>Parses <paramref name="args"/> for <paramref name="root"/> (no arguments: its help) after giving every number a parser that explains itself.</summary>
    public static ParseResult Parse(Command root, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        NumberParsers.Apply(root);
        return root.Parse(args.Count == 0 ? ["--help"] : args, Configuration);
    }

    /// <summary>The one line for a parse error, or null when <paramref name="parse"/> has none (its action then runs).</summary>
    public static string? ParseErrorLine(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.Errors.Count == 0 || parse.Action is not ParseErrorAction)
        {
            return null;
        }
        // An unknown word also makes "Required command was not provided": the unknown word is the news.
        string messages = parse.UnmatchedTokens.Count > 0
            ? $"unrecognized command or argument '{parse.UnmatchedTokens[0]}'"
            : string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')).Distinct());
        return $"{Prefix(parse)}{messages} (see '{string.Join(' ', CommandPath(parse))} --help')";
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(Command root, IReadOnlyList<string> args)
    {
        TerminationSignals.Install();
        ParseResult parse = Parse(root, args);
        if (ParseErrorLine(parse) is string error)
        {
            await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
            return CliError.UsageExitCode;
        }
        int exitCode;
        try
        {
            // Exceptions other than CliError are bugs: let them surface with their stack trace.
            // No ProcessTerminationTimeout: TerminationSignals handles SIGINT and SIGTERM for every command.
            exitCode = await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }).ConfigureAwait(false);
        }
        catch (CliError e) when (!IsInterrupted(parse))
        {
            await Console.Error.WriteLineAsync($"{Prefix(parse)}{e.Message}").ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (Exception e) when (e is CliError or OperationCanceledException && IsInterrupted(parse))
        {
            exitCode = 0; // reported below
        }
        finally
        {
            CliLogging.Flush();
        }
        if (IsInterrupted(parse) && TerminationSignals.ExitCode is int signalled)
        {
            await Console.Out.FlushAsync().ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"{Prefix(parse)}interrupted").ConfigureAwait(false);
            return signalled;
        }
        return exitCode;
    }

    /// <summary>True when a signal ended the command and it is not one that exits as iputils does.</summary>
    private static bool IsInterrupted(ParseResult parse) =>
        TerminationSignals.Received && !s_exitAsIputils.Contains(parse.CommandResult.Command.Name);

    /// <summary><c>usrnet: ping: </c>, <c>usrnet: bench reader: </c>; <c>usrnet: </c> for the root command.</summary>
    public static string Prefix(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        IReadOnlyList<string> path = CommandPath(parse);
        return path.Count <= 1 ? $"{path[0]}: " : $"{path[0]}: {string.Join(' ', path.Skip(1))}: ";
    }

    private static List<string> CommandPath(ParseResult parse)
    {
        List<string> names = [];
        for (SymbolResult? r = parse.CommandResult; r is not null; r = r.Parent)
        {
            if (r is CommandResult command)
            {
                names.Add(command.Command.Name);
            }
        }
        names.Reverse();
        return names;
    }
}
