using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>The lab itself, kernel to kernel, before any stack is involved.</summary>
public sealed class LabInfrastructureTests(ITestOutputHelper output)
{
    [LabFact("ping")]
    public async Task KernelPingsTheFarHostThroughTheVethAndBackThroughTheRouter()
    {
        string ns;
        string far;
        await using (Lab lab = await Lab.CreateAsync(output))
        {
            (ns, far) = (lab.Namespace, lab.FarNamespace);
            Assert.True(LabTopology.NamespaceExists(ns));
            Assert.True(LabTopology.NamespaceExists(far));

            (await lab.RunAsync(ns, ["ping", "-n", "-c", "1", "-W", "1", LabTopology.FarAddress.ToString()])).EnsureSuccess();
            // The far host's default route and the near namespace's tap address: the path the stack's replies will take.
            (await lab.RunAsync(far, ["ping", "-n", "-c", "1", "-W", "1", LabTopology.Gateway.ToString()])).EnsureSuccess();
        }
        Assert.False(LabTopology.NamespaceExists(ns), $"{ns} still exists after dispose");
        Assert.False(LabTopology.NamespaceExists(far), $"{far} still exists after dispose");
        IReadOnlyList<string> namespaces = await Lab.ListNamespacesAsync();
        Assert.DoesNotContain(ns, namespaces);
        Assert.DoesNotContain(far, namespaces);
    }

    [LabFact]
    public async Task TheTapHasTheGatewayAddressAndNoIpv6()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult addresses = (await lab.RunAsync(lab.Namespace, ["ip", "-o", "addr", "show", "dev", lab.TapName])).EnsureSuccess();
        Assert.Contains($"inet {LabTopology.TapCidr}", addresses.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("inet6", addresses.StandardOutput, StringComparison.Ordinal);
        ProcessResult forwarding = (await lab.RunAsync(lab.Namespace, ["sysctl", "-n", "net.ipv4.ip_forward"])).EnsureSuccess();
        Assert.Equal("1", forwarding.StandardOutput.Trim());
    }

    [LabFact]
    public async Task LabsCreatedAtOnceGetTheirOwnNamespaces()
    {
        Lab[] labs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Lab.CreateAsync(output)));
        try
        {
            Assert.Equal(3, labs.Select(l => l.Namespace).Distinct().Count());
            Assert.All(labs, l => Assert.True(l.Namespace.Length <= 15, l.Namespace));
        }
        finally
        {
            foreach (Lab lab in labs)
            {
                await lab.DisposeAsync();
            }
        }
        Assert.All(labs, l => Assert.False(LabTopology.NamespaceExists(l.Namespace)));
    }

    [LabFact]
    public async Task BackgroundProcessesAreStoppedWhenTheLabIsDisposed()
    {
        BackgroundProcess sleeper;
        await using (Lab lab = await Lab.CreateAsync(output))
        {
            sleeper = lab.Start(lab.Namespace, ["sh", "-c", "echo ready; exec sleep 300"]);
            Assert.True(await sleeper.WaitForOutputAsync("ready", TimeSpan.FromSeconds(10)), sleeper.StandardError);
            Assert.False(sleeper.HasExited);
        }
        Assert.True(sleeper.HasExited);
    }

    [LabFact]
    public async Task ACommandThatOutlivesItsTimeoutIsKilled()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult result = await lab.RunAsync(lab.Namespace, ["sleep", "30"], timeout: TimeSpan.FromMilliseconds(300));

        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(10), result.ToString());
    }

    [LabFact]
    public async Task CommandsRunInsideTheNamespace()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult links = (await lab.RunAsync(lab.FarNamespace, ["ip", "-o", "link", "show"])).EnsureSuccess();

        Assert.Contains($"{LabTopology.FarLink}@", links.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(lab.TapName, links.StandardOutput, StringComparison.Ordinal);
    }

    [LabFact(Dnsmasq.Tool, "dig")]
    public async Task DnsmasqAnswersInsideTheLabAndNxdomainForUnknownLocalNames()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        await using Dnsmasq dns = await Dnsmasq.StartAsync(lab, [$"--address=/www.{Dnsmasq.Domain}/10.0.1.2"]);

        ProcessResult known = (await lab.RunAsync(lab.Namespace, ["dig", "+short", "+time=2", "+tries=1", $"@{LabTopology.Gateway}", $"www.{Dnsmasq.Domain}"])).EnsureSuccess();
        Assert.Equal("10.0.1.2", known.StandardOutput.Trim());
        ProcessResult unknown = (await lab.RunAsync(lab.Namespace, ["dig", "+time=2", "+tries=1", $"@{LabTopology.Gateway}", $"nothing.{Dnsmasq.Domain}"])).EnsureSuccess();
        Assert.Contains("status: NXDOMAIN", unknown.StandardOutput, StringComparison.Ordinal);
    }
}
