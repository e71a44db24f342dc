using System.Collections.Concurrent;
using Usrnet.Cli.Lab;
using Xunit.Sdk;

namespace Usrnet.LabTests;

/// <summary>
/// Which TAP mode the lab suite runs its stack commands in. By default a command runs as the CLI
/// defaults (vnet-header offloads on). With the environment variable <c>USRNET_OFFLOAD=off</c> (or
/// <c>on</c>) every stack command a test starts through <see cref="UsrnetCli.Command"/> gets
/// <c>--offload off</c> (or <c>on</c>), so the whole suite runs in that mode:
/// <code>USRNET_OFFLOAD=off nice dotnet test tests/Usrnet.LabTests</code>
/// A command is a stack command when its <c>--help</c> lists <c>--offload</c> (asked once per command
/// path and cached), so <c>lab up</c> and the like are left alone (<c>bench in-process</c> and <c>bench async</c> take it for their in-memory link); so is a
/// command line that already says <c>--offload</c> (a test about one mode) or asks for help.
/// </summary>
public static class OffloadMode
{
    /// <summary>The environment variable that selects the mode: <c>on</c>, <c>off</c>, or unset for the CLI's default.</summary>
    public const string Variable = "USRNET_OFFLOAD";

    /// <summary>The stack commands' option that selects the mode.</summary>
    public const string Option = "--offload";

    /// <summary>The option's value for vnet-header offloads (checksum and TCP segmentation on the tap).</summary>
    public const string On = "on";

    /// <summary>The option's value for plain frames of at most the MTU, every checksum in software.</summary>
    public const string Off = "off";

    /// <summary>How long one <c>usrnet … --help</c> may take (a cold <c>dotnet</c> on a loaded machine).</summary>
    private static readonly TimeSpan HelpTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Help text by command path (space-joined; "" for the root command).</summary>
    private static readonly ConcurrentDictionary<string, Lazy<string>> HelpCache = new();

    /// <summary>The mode <see cref="Variable"/> asks for, or null when it is unset or empty; fails the test on any other value.</summary>
    public static string? Requested =>
        Environment.GetEnvironmentVariable(Variable) switch
        {
            null or "" => null,
            On => On,
            Off => Off,
            string other => throw new XunitException($"{Variable}={other}: expected '{On}' or '{Off}' (or unset for the CLI's default)"),
        };

    /// <summary>
    /// <paramref name="args"/> with <c>--offload MODE</c> added when <paramref name="mode"/> is set and
    /// the command takes the option, before a <c>--</c> if there is one; otherwise unchanged.
    /// </summary>
    public static IReadOnlyList<string> Apply(IReadOnlyList<string> args, string? mode)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (mode is null || args.Any(IsOffloadOrHelp) || !TakesOffload(args))
        {
            return args;
        }
        int end = args.ToList().IndexOf("--") is int dashes and >= 0 ? dashes : args.Count;
        return [.. args.Take(end), Option, mode, .. args.Skip(end)];
    }

    /// <summary>True when the command that <paramref name="args"/> names lists <see cref="Option"/> in its help.</summary>
    public static bool TakesOffload(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        List<string> path = [];
        string help = HelpOf(path);
        // Descend while the next word is a subcommand of the command so far ("bench" then "reader").
        foreach (string word in args.TakeWhile(a => !a.StartsWith('-')))
        {
            if (!Subcommands(help).Contains(word))
            {
                break;
            }
            path.Add(word);
            help = HelpOf(path);
        }
        return path.Count > 0 && help.Split('\n').Any(line => line.TrimStart().StartsWith(Option + " ", StringComparison.Ordinal));
    }

    private static bool IsOffloadOrHelp(string arg) =>
        arg == Option || arg.StartsWith(Option + "=", StringComparison.Ordinal) || arg is "--help" or "-h" or "-?" or "--version";

    private static string HelpOf(IReadOnlyList<string> path) =>
        HelpCache.GetOrAdd(string.Join(' ', path), _ => new Lazy<string>(() => RunHelp(path))).Value;

    private static string RunHelp(IReadOnlyList<string> path)
    {
        string[] argv = [UsrnetCli.DotnetHost, UsrnetCli.AssemblyPath, .. path, "--help"];
        HostCommandResult help = HostCommand.Run(argv, HelpTimeout);
        return help.ExitCode == 0
            ? help.StandardOutput
            : throw new XunitException($"{ProcessResult.FormatCommandLine(argv)} exited {help.ExitCode}: {help.StandardError}");
    }

    /// <summary>The names in a help text's "Commands:" section (each line "  NAME [ARGS]  description").</summary>
    private static HashSet<string> Subcommands(string help) =>
        [.. help.Split('\n')
            .SkipWhile(line => line.TrimEnd() != "Commands:")
            .Skip(1)
            .TakeWhile(line => line.StartsWith("  ", StringComparison.Ordinal))
            .Select(line => line.TrimStart().Split(' ')[0])];
}
