namespace Usrnet.LabTests;

/// <summary>
/// Finds the built <c>usrnet</c> CLI: the test project references Usrnet.Cli, so <c>Usrnet.Cli.dll</c>
/// and its runtimeconfig are copied next to the tests, and run with the same <c>dotnet</c> host.
/// </summary>
public static class UsrnetCli
{
    private static readonly Lazy<string> Host = new(FindDotnetHost);

    /// <summary>Full path of Usrnet.Cli.dll in the test output directory.</summary>
    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "Usrnet.Cli.dll");

    /// <summary>The <c>dotnet</c> executable to run it with.</summary>
    public static string DotnetHost => Host.Value;

    /// <summary>
    /// The argv that runs <c>usrnet</c> with <paramref name="args"/>: <c>dotnet …/Usrnet.Cli.dll args…</c>,
    /// with <c>--offload MODE</c> added to a stack command when <see cref="OffloadMode.Variable"/> asks for a mode.
    /// </summary>
    public static IReadOnlyList<string> Command(IEnumerable<string> args)
    {
        if (!File.Exists(AssemblyPath))
        {
            throw new FileNotFoundException($"the usrnet CLI was not built next to the tests: {AssemblyPath}");
        }
        return [DotnetHost, AssemblyPath, .. OffloadMode.Apply([.. args], OffloadMode.Requested)];
    }

    /// <summary>Runs <c>usrnet args…</c> in the test's own network namespace (e.g. <c>lab up</c>, or argument errors).</summary>
    public static Task<ProcessResult> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null, CancellationToken cancellationToken = default) =>
        HostProcess.RunAsync(Command(args), timeout, stdin, cancellationToken);

    private static string FindDotnetHost()
    {
        // The test host itself usually runs under dotnet; else the SDK's DOTNET_HOST_PATH, DOTNET_ROOT, PATH.
        IEnumerable<string?> candidates =
        [
            Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath : null,
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"),
            Environment.GetEnvironmentVariable("DOTNET_ROOT") is string root ? Path.Combine(root, "dotnet") : null,
            .. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, "dotnet")),
        ];
        return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException("no dotnet host found to run the usrnet CLI with");
    }
}
