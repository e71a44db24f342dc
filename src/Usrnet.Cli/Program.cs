using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Usrnet.Cli;
using Usrnet.Cli.Commands;

// Each subcommand lives in Commands/<Name>Command.cs as a static class whose Create() returns the
// System.CommandLine Command; stack commands take StackOptions (see StackOptions.cs). Errors the user
// must see are thrown as CliError and reported here as one line, "usrnet: COMMAND: message".
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
return await CommandLine.RunAsync(root, args);
