using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Usrnet.Cli;
using Usrnet.Cli.Commands;

// Each subcommand lives in Commands/<Name>Command.cs as a static class whose Create() returns the
// System.CommandLine Command; stack commands take StackOptions (see StackOptions.cs). Errors the user
// must see are thrown as CliError and reported here as one line.
// A plain Command rather than RootCommand: RootCommand names itself after the entry assembly
// (Usrnet.Cli), but the command is called usrnet.
Command root = new("usrnet", "A user-space TCP/IP stack over a Linux TAP device, and tools that run on it")
{
    new HelpOption(),
    new VersionOption(),
    LabCommand.Create(),
    UpCommand.Create(),
    DhcpCommand.Create(),
    PingCommand.Create(),
    ArpingCommand.Create(),
    TracerouteCommand.Create(),
    UdpEchoCommand.Create(),
    UdpCatCommand.Create(),
    TcpEchoCommand.Create(),
    TcpCatCommand.Create(),
    DigCommand.Create(),
    HttpGetCommand.Create(),
    ServeCommand.Create(),
    BenchCommand.Create(),
};

ParseResult parse = root.Parse(args.Length == 0 ? ["--help"] : args);
if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
{
    // An unknown word also makes "Required command was not provided": the unknown word is the news.
    string messages = parse.UnmatchedTokens.Count > 0
        ? $"unrecognized command or argument '{parse.UnmatchedTokens[0]}'"
        : string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')).Distinct());
    Console.Error.WriteLine($"usrnet: {messages} (see '{CommandPath(parse.CommandResult)} --help')");
    return CliError.UsageExitCode;
}

try
{
    // Exceptions other than CliError are bugs: let them surface with their stack trace.
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliError e)
{
    Console.Error.WriteLine($"usrnet: {e.Message}");
    return e.ExitCode;
}
finally
{
    CliLogging.Flush();
}

static string CommandPath(System.CommandLine.Parsing.CommandResult result)
{
    List<string> names = [];
    for (System.CommandLine.Parsing.SymbolResult? r = result; r is not null; r = r.Parent)
    {
        if (r is System.CommandLine.Parsing.CommandResult command)
        {
            names.Add(command.Command.Name);
        }
    }
    names.Reverse();
    return string.Join(' ', names);
}
