using System.Diagnostics;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>The lab's IPv6 (docs/articles/design.md §7), kernel to kernel and radvd to the tap, before any stack speaks IPv6.</summary>
public sealed class Ipv6LabInfrastructureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan AdvertisementTimeout = TimeSpan.FromSeconds(15);

    [LabFact("ping")]
    public async Task TheFarHostPingsTheTapsIpv6AddressThroughTheGatewayAtOnce()
    {
        await using Lab lab = await Lab.CreateAsync(output, ipv6OnTap: true);

        // The far host's IPv6 default route leads through r0's address.
        ProcessResult route = (await lab.RunAsync(lab.FarNamespace, ["ip", "-6", "route", "get", LabTopology.TapCidr6.Address.ToString()])).EnsureSuccess();
        Assert.Contains($"via {LabTopology.RouterCidr6.Address} dev {LabTopology.FarLink}", route.StandardOutput, StringComparison.Ordinal);
        // Right after the lab is built, with no wait for duplicate address detection: no address is tentative.
        ProcessResult ping = await lab.RunAsync(lab.FarNamespace, ["ping", "-6", "-n", "-c", "1", "-W", "2", LabTopology.TapCidr6.Address.ToString()]);
        Assert.True(ping.Succeeded, ping.ToString());
        Assert.Contains($"from {LabTopology.TapCidr6.Address}", ping.StandardOutput, StringComparison.Ordinal);
        (await lab.RunAsync(lab.Namespace, ["ping", "-6", "-n", "-c", "1", "-W", "2", LabTopology.FarCidr6.Address.ToString()])).EnsureSuccess();
    }

    [LabFact]
    public async Task EveryLabAddressIsInPlaceWithoutDuplicateAddressDetectionAndTheGatewayForwards()
    {
        await using Lab lab = await Lab.CreateAsync(output, ipv6OnTap: true);

        string near = (await lab.RunAsync(lab.Namespace, ["ip", "-6", "-o", "addr", "show"])).EnsureSuccess().StandardOutput;
        string far = (await lab.RunAsync(lab.FarNamespace, ["ip", "-6", "-o", "addr", "show"])).EnsureSuccess().StandardOutput;
        Assert.Contains($"{lab.TapName}    inet6 {LabTopology.TapCidr6} scope global nodad", near, StringComparison.Ordinal);
        Assert.Contains($"{LabTopology.RouterLink}    inet6 {LabTopology.RouterCidr6} scope global nodad", near, StringComparison.Ordinal);
        Assert.Contains($"{LabTopology.FarLink}    inet6 {LabTopology.FarCidr6} scope global nodad", far, StringComparison.Ordinal);
        Assert.DoesNotContain("tentative", near + far, StringComparison.Ordinal);
        ProcessResult forwarding = (await lab.RunAsync(lab.Namespace, ["sysctl", "-n", "net.ipv6.conf.all.forwarding"])).EnsureSuccess();
        Assert.Equal("1", forwarding.StandardOutput.Trim());
    }

    [LabFact("ping")]
    public async Task TheIpv4OnlyTapLeavesTheVethPairWithIpv6()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult tap = (await lab.RunAsync(lab.Namespace, ["ip", "-o", "addr", "show", "dev", lab.TapName])).EnsureSuccess();
        Assert.DoesNotContain("inet6", tap.StandardOutput, StringComparison.Ordinal);
        (await lab.RunAsync(lab.FarNamespace, ["ping", "-6", "-n", "-c", "1", "-W", "2", LabTopology.RouterCidr6.Address.ToString()])).EnsureSuccess();
    }

    [LabFact("ndisc6")]
    public async Task NdiscFromTheFarHostResolvesTheGatewaysLinkLayerAddress()
    {
        await using Lab lab = await Lab.CreateAsync(output, ipv6OnTap: true);
        string mac = (await lab.RunAsync(lab.Namespace, ["cat", $"/sys/class/net/{LabTopology.RouterLink}/address"])).EnsureSuccess().StandardOutput.Trim();

        // RFC 4861 §7.2: a neighbour solicitation for fd00:0:0:2::1, answered by the gateway's kernel.
        ProcessResult ndisc = await lab.RunAsync(lab.FarNamespace, ["ndisc6", "-n", "-r", "3", LabTopology.RouterCidr6.Address.ToString(), LabTopology.FarLink]);

        Assert.True(ndisc.Succeeded, ndisc.ToString());
        Assert.Contains($"Target link-layer address: {mac.ToUpperInvariant()}", ndisc.StandardOutput, StringComparison.Ordinal);
    }

    [LabFact(Radvd.Tool, LabScripts.Python)]
    public async Task RadvdAdvertisesTheLabPrefixMtuAndRdnssOnTheTap()
    {
        await using Lab lab = await Lab.CreateAsync(output, ipv6OnTap: true);
        string pidFile;
        int pid;
        await using (Radvd radvd = await Radvd.StartAsync(lab))
        {
            pidFile = radvd.PidFile;
            // radvd holds a lock on its pid file, which .NET's own file reading refuses to share: read it with cat.
            string written = (await lab.RunAsync(lab.Namespace, ["cat", pidFile])).EnsureSuccess().StandardOutput;
            pid = int.Parse(written.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(radvd.Process.Id, pid);

            // Where the stack would be: attached to the tap, soliciting (RFC 4861 §6.3.7).
            ProcessResult ra = await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("router_advertisement.py", lab.TapName, AdvertisementTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)), AdvertisementTimeout + TimeSpan.FromSeconds(10));

            Assert.True(ra.Succeeded, ra.ToString() + radvd.Process.StandardError);
            Assert.Matches(@"^RA from fe80::[0-9a-f:]+ lifetime [1-9]\d* ", ra.StandardOutput);
            Assert.Contains($"prefix {LabTopology.TapPrefix6} L=1 A=1", ra.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"mtu {Radvd.Mtu}", ra.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"rdnss {LabTopology.TapCidr6.Address} lifetime {Radvd.RdnssLifetimeSeconds}", ra.StandardOutput, StringComparison.Ordinal);
        }
        // Stopped with the helper: the process is gone and has removed its pid file.
        Assert.False(File.Exists(pidFile), $"{pidFile} is still there");
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid));
    }
}
