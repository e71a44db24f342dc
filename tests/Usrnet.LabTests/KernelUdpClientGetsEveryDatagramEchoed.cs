using System.Globalization;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// A kernel UDP socket (scripts/udp_echo_client.py, inside the near namespace) against the stack's UDP:
/// <c>usrnet udp-echo</c> returns every datagram byte for byte, and a closed port answers with ICMP
/// port unreachable, which a connected kernel socket reports as ECONNREFUSED.
/// </summary>
public sealed class KernelUdpClientGetsEveryDatagramEchoed(ITestOutputHelper output)
{
    private const int EchoPort = 7;
    private const int ClosedPort = 9;
    private const int Datagrams = 1000;
    private const int LargestUnfragmented = 1472; // 1500-byte MTU - 20 (IPv4) - 8 (UDP)
    private static readonly string Stack = LabTopology.StackAddress.ToString();

    [LabFact("ping", "/usr/bin/python3")]
    public async Task AThousandDatagramsOfEverySizeFromOneByteToTheMtuComeBackByteIdentical()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await lab.StartStackAsync("udp-echo", $"{EchoPort}");

        // One datagram at a time; one that is not back within 0.5 s is sent again, up to 3 times (the
        // script reports each lost one by index and size, and skips late echoes of earlier ones).
        ProcessResult client = await lab.RunAsync(
            lab.Namespace,
            LabScripts.PythonCommand("udp_echo_client.py", Stack, $"{EchoPort}", "--count", $"{Datagrams}", "--sizes", $"1-{LargestUnfragmented}", "--timeout", "0.5", "--retries", "3", "--seed", "1"),
            TimeSpan.FromSeconds(45));
        ProcessResult ended = await LabStack.StopStackAsync(echo);

        Assert.True(client.Succeeded, client.ToString());
        Assert.StartsWith($"{Datagrams} of {Datagrams} datagrams echoed (sizes 1-{LargestUnfragmented},", client.StandardOutput, StringComparison.Ordinal);
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        // The echo server counts what it echoed: every datagram at least once (a retry may add a few).
        Match echoed = Regex.Match(ended.StandardOutput, @"usrnet: echoed (?<n>\d+) datagrams");
        Assert.True(echoed.Success, ended.ToString());
        Assert.InRange(long.Parse(echoed.Groups["n"].Value, CultureInfo.InvariantCulture), Datagrams, Datagrams + 3 * Datagrams);
    }

    [LabFact("ping", "/usr/bin/python3")]
    public async Task AClosedPortOnTheStackRefusesAConnectedKernelSocket()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync();

        ProcessResult client = await lab.RunAsync(
            lab.Namespace,
            LabScripts.PythonCommand("udp_echo_client.py", Stack, $"{ClosedPort}", "--count", "2", "--timeout", "3"),
            TimeSpan.FromSeconds(20));
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        // udp_echo_client.py says "port unreachable" only for ConnectionRefusedError (ECONNREFUSED), not for a timeout.
        Assert.Equal(1, client.ExitCode);
        Assert.Contains("datagram 0: port unreachable", client.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("datagram 1: port unreachable", client.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("0 of 2 datagrams echoed", client.StandardOutput, StringComparison.Ordinal);
        LabStack.AssertStoppedBySigterm(ended);
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "IcmpErrorsSent") >= 2, ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "DroppedNoSocket") >= 2, ended.StandardOutput);
    }
}
