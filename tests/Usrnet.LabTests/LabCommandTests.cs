using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary><c>usrnet lab up</c> / <c>usrnet lab down</c>, run as a user would run them.</summary>
public sealed class LabCommandTests(ITestOutputHelper output)
{
    [LabFact("ping")]
    public async Task LabUpBuildsTheTopologyAndLabDownRemovesIt()
    {
        LabRequirement.ThrowIfMissing("ping");
        string ns = Lab.UniqueNamespaceName("lcu");
        LabTopology topology = new(ns);
        try
        {
            ProcessResult up = await Run(["lab", "up", "--ns", ns]);
            Assert.True(up.Succeeded, up.ToString());

            IReadOnlyList<string> namespaces = await Lab.ListNamespacesAsync();
            Assert.Contains(ns, namespaces);
            Assert.Contains(topology.FarNamespace, namespaces);
            string tap = (await HostProcess.RunAsync(["ip", "-n", ns, "-o", "addr", "show", "dev", LabTopology.DefaultTapName])).EnsureSuccess().StandardOutput;
            Assert.Contains($"inet {LabTopology.TapCidr}", tap, StringComparison.Ordinal);
            Assert.Contains($"inet6 {LabTopology.TapCidr6}", tap, StringComparison.Ordinal);
            (await HostProcess.RunAsync(["ip", "netns", "exec", topology.FarNamespace, "ping", "-n", "-c", "1", "-W", "1", LabTopology.Gateway.ToString()])).EnsureSuccess();
            (await HostProcess.RunAsync(["ip", "netns", "exec", topology.FarNamespace, "ping", "-6", "-n", "-c", "1", "-W", "2", LabTopology.TapCidr6.Address.ToString()])).EnsureSuccess();

            ProcessResult down = await Run(["lab", "down", "--ns", ns]);
            Assert.True(down.Succeeded, down.ToString());
            namespaces = await Lab.ListNamespacesAsync();
            Assert.DoesNotContain(ns, namespaces);
            Assert.DoesNotContain(topology.FarNamespace, namespaces);

            ProcessResult again = await Run(["lab", "down", "--ns", ns]);
            Assert.True(again.Succeeded, $"lab down must be idempotent: {again}");
        }
        finally
        {
            topology.Delete();
        }
    }

    [LabFact(LabScripts.Python)]
    public async Task LabDownStopsWhatStillRunsInTheLabAndSaysSo()
    {
        LabRequirement.ThrowIfMissing(LabScripts.Python);
        string ns = Lab.UniqueNamespaceName("lcs");
        LabTopology topology = new(ns);
        try
        {
            (await Run(["lab", "up", "--ns", ns])).EnsureSuccess();
            // A stack holding the tap, and a server in the far namespace, as the README's steps leave them.
            await using BackgroundProcess stack = HostProcess.StartBackground(["ip", "netns", "exec", ns, .. UsrnetCli.Command(["up"])]);
            Assert.True(await stack.WaitForOutputAsync(" on tap0 up", LabStack.StartTimeout), stack.ToString() + stack.StandardError);
            await using BackgroundProcess server = HostProcess.StartBackground(["ip", "netns", "exec", topology.FarNamespace, LabScripts.Python, "-u", "-m", "http.server", "8000", "--bind", LabTopology.FarAddress.ToString()]);
            Assert.True(await server.WaitForOutputAsync("Serving HTTP", TimeSpan.FromSeconds(20)), server.StandardError);

            ProcessResult down = await Run(["lab", "down", "--ns", ns]);

            Assert.True(down.Succeeded, down.ToString());
            Assert.Matches($@"^lab down: stopped the processes still running in the lab: \d+ \(dotnet\), \d+ \(python3?[^)]*\)\nlab down: removed {ns}, {topology.FarNamespace}\n$", down.StandardOutput);
            // Both ended by the SIGTERM, not left running in a namespace with no name.
            ProcessResult stackEnded = await stack.WaitForExitAsync(TimeSpan.FromSeconds(1));
            ProcessResult serverEnded = await server.WaitForExitAsync(TimeSpan.FromSeconds(1));
            Assert.False(stackEnded.TimedOut, $"the stack still runs: {stackEnded}");
            Assert.False(serverEnded.TimedOut, $"the far server still runs: {serverEnded}");
            Assert.Equal(143, stackEnded.ExitCode);
            Assert.DoesNotContain(ns, await Lab.ListNamespacesAsync());
        }
        finally
        {
            topology.Delete();
        }
    }

    [LabFact("ping")]
    public async Task LabUpWithNoIpv6LeavesTheTapIpv4OnlyAndTheVethPairDualStack()
    {
        LabRequirement.ThrowIfMissing("ping");
        string ns = Lab.UniqueNamespaceName("lcn");
        LabTopology topology = new(ns);
        try
        {
            ProcessResult up = await Run(["lab", "up", "--ns", ns, "--no-ipv6"]);

            Assert.True(up.Succeeded, up.ToString());
            Assert.Contains($"lab up: IPv6 {LabTopology.RouterLink} {LabTopology.RouterCidr6} <-> {LabTopology.FarLink} {LabTopology.FarCidr6}\n", up.StandardOutput, StringComparison.Ordinal);
            string tap = (await HostProcess.RunAsync(["ip", "-n", ns, "-o", "addr", "show", "dev", LabTopology.DefaultTapName])).EnsureSuccess().StandardOutput;
            Assert.Contains($"inet {LabTopology.TapCidr}", tap, StringComparison.Ordinal);
            Assert.DoesNotContain("inet6", tap, StringComparison.Ordinal);
            (await HostProcess.RunAsync(["ip", "netns", "exec", topology.FarNamespace, "ping", "-6", "-n", "-c", "1", "-W", "2", LabTopology.RouterCidr6.Address.ToString()])).EnsureSuccess();
        }
        finally
        {
            topology.Delete();
        }
    }

    [LabFact]
    public async Task LabUpRefusesAnExistingNamespaceAndSaysHowToRemoveIt()
    {
        LabRequirement.ThrowIfMissing();
        string ns = Lab.UniqueNamespaceName("lcx");
        LabTopology topology = new(ns);
        try
        {
            (await Run(["lab", "up", "--ns", ns])).EnsureSuccess();

            ProcessResult second = await Run(["lab", "up", "--ns", ns]);

            Assert.Equal(1, second.ExitCode);
            string line = Assert.Single(second.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("usrnet: ", line, StringComparison.Ordinal);
            Assert.Contains($"usrnet lab down --ns {ns}", line, StringComparison.Ordinal);
            Assert.True(LabTopology.NamespaceExists(ns), "a refused lab up must leave the existing lab alone");
        }
        finally
        {
            topology.Delete();
        }
    }

    [Theory]
    [InlineData("up", "--ns", "a/b")]
    [InlineData("up", "--ns", "-x")]
    [InlineData("up", "--tap", "a-name-longer-than-15")]
    [InlineData("down", "--ns", "")]
    public async Task MalformedNamesAreOneLineAndExitCodeTwo(string verb, string option, string value)
    {
        ProcessResult result = await Run(["lab", verb, option, value]);

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("usrnet: ", line, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
    }

    [Fact]
    public async Task AnUnknownOptionIsOneLineAndExitCodeTwo()
    {
        ProcessResult result = await Run(["lab", "up", "--bogus"]);

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--bogus", line, StringComparison.Ordinal);
        Assert.Contains("usrnet lab up --help", line, StringComparison.Ordinal);
    }

    private async Task<ProcessResult> Run(IEnumerable<string> args)
    {
        ProcessResult result = await UsrnetCli.RunAsync(args);
        output.WriteLine(result.ToString());
        return result;
    }
}
