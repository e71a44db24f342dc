using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary><c>--pcap FILE</c> writes a capture that tshark reads: the ARP exchange and the echo request and reply.</summary>
public sealed class PcapCapturesOpenInTshark(ITestOutputHelper output)
{
    private static readonly string Gateway = LabTopology.Gateway.ToString();
    private static readonly string Stack = LabTopology.StackAddress.ToString();

    [LabFact("tshark")]
    public async Task APingsCaptureShowsTheArpExchangeAndEveryEchoRequestAndReply()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        string pcap = Path.Combine(Path.GetTempPath(), $"usrnet-pcap-{Guid.NewGuid():N}.pcap");
        try
        {
            (await lab.RunUsrnetAsync(["ping", "-c", "2", "-i", "0.2", Gateway, "--pcap", pcap], TimeSpan.FromSeconds(30))).EnsureSuccess();
            Assert.True(File.Exists(pcap), $"no capture at {pcap}");

            ProcessResult icmp = (await lab.RunAsync(lab.Namespace, ["tshark", "-n", "-r", pcap, "-Y", "icmp"], TimeSpan.FromSeconds(30))).EnsureSuccess();
            ProcessResult arp = (await lab.RunAsync(lab.Namespace, ["tshark", "-n", "-r", pcap, "-Y", "arp"], TimeSpan.FromSeconds(30))).EnsureSuccess();

            string[] icmpLines = Lines(icmp.StandardOutput);
            Assert.Equal(2, icmpLines.Count(l => l.Contains($"{Stack} → {Gateway}", StringComparison.Ordinal) && l.Contains("Echo (ping) request", StringComparison.Ordinal)));
            Assert.Equal(2, icmpLines.Count(l => l.Contains($"{Gateway} → {Stack}", StringComparison.Ordinal) && l.Contains("Echo (ping) reply", StringComparison.Ordinal)));
            Assert.DoesNotContain(icmpLines, l => l.Contains("Malformed", StringComparison.OrdinalIgnoreCase) || l.Contains("no response found", StringComparison.Ordinal));

            string[] arpLines = Lines(arp.StandardOutput);
            Assert.Contains(arpLines, l => l.Contains($"Who has {Gateway}? Tell {Stack}", StringComparison.Ordinal));
            Assert.Contains(arpLines, l => l.Contains($"{Gateway} is at ", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
