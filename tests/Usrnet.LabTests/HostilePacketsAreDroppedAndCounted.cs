using System.Globalization;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// scripts/hostile.py's packets from the kernel's side of the tap: a UDP datagram from source port 0 to
/// <c>usrnet udp-echo</c>, a LAND SYN to <c>usrnet tcp-echo</c>, source-routed and martian echo requests to
/// <c>usrnet up</c>. None draws an answer, none ends the process or makes it spin, each is counted under
/// its reason, and the same server still serves a real client afterwards.
/// </summary>
public sealed class HostilePacketsAreDroppedAndCounted(ITestOutputHelper output)
{
    private const int EchoPort = 7;

    /// <summary>Seconds of CPU an idle stack may use in <see cref="SpinWindow"/>; a stack answering its own SYN-ACKs uses all it can get.</summary>
    private const double IdleCpuSeconds = 0.25;

    /// <summary>Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on every Linux ABI).</summary>
    private const double ClockTicksPerSecond = 100;

    private static readonly TimeSpan SpinWindow = TimeSpan.FromSeconds(3);
    private static readonly string Stack = LabTopology.StackAddress.ToString();

    [LabFact(LabRequirement.Scapy)]
    public async Task UdpEchoSurvivesADatagramFromSourcePortZeroAndEchoesTheNext()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await lab.StartStackAsync("udp-echo", $"{EchoPort}");

        ProcessResult hostile = await SendAsync(lab, "port0");
        ProcessResult client = await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("udp_echo_client.py", Stack, $"{EchoPort}", "--count", "3", "--timeout", "2"), TimeSpan.FromSeconds(30));
        ProcessResult ended = await LabStack.StopStackAsync(echo);

        Assert.StartsWith("sent 1 port0 frames, 0 answered", hostile.StandardOutput, StringComparison.Ordinal);
        Assert.True(client.Succeeded, $"udp-echo stopped echoing after a datagram from port 0: {client}\n{ended}");
        Assert.Contains("3 of 3 datagrams echoed", client.StandardOutput, StringComparison.Ordinal);
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        Assert.Contains("usrnet: 1 datagrams from source port 0 not answered", ended.StandardOutput, StringComparison.Ordinal);
    }

    [LabFact(LabRequirement.Scapy)]
    public async Task ALandSynDrawsNothingSpinsNothingAndARealConnectionStillWorks()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await lab.StartStackAsync("tcp-echo", $"{EchoPort}");
        ProcessResult before = await EchoOverTcpAsync(lab); // also warms the stack's code paths up

        ProcessResult hostile = await SendAsync(lab, "land");
        double cpuBefore = CpuSeconds(echo.Id);
        await Task.Delay(SpinWindow);
        double cpu = CpuSeconds(echo.Id) - cpuBefore;
        ProcessResult after = await EchoOverTcpAsync(lab);
        ProcessResult ended = await LabStack.StopStackAsync(echo);

        output.WriteLine($"CPU used in the {SpinWindow.TotalSeconds} s after the LAND SYN: {cpu:F2} s");
        Assert.True(before.Succeeded, before.ToString());
        Assert.StartsWith("sent 1 land frames, 0 answered", hostile.StandardOutput, StringComparison.Ordinal);
        Assert.True(cpu < IdleCpuSeconds, $"the stack used {cpu:F2} s of CPU in the {SpinWindow.TotalSeconds} s after one LAND SYN (idle: < {IdleCpuSeconds} s)");
        Assert.True(after.Succeeded, $"a real connection failed after the LAND SYN: {after}\n{ended}");
        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        Assert.Equal(1, ToolOutput.Counter(ToolOutput.Counters(ended.StandardOutput), "DroppedSourceOwnAddress"));
    }

    [LabFact(LabRequirement.Scapy)]
    public async Task SourceRoutedEchoRequestsAreNotAnsweredAndAreCounted()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync();

        ProcessResult hostile = await SendAsync(lab, "source-route");
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        Assert.StartsWith("sent 2 source-route frames, 0 answered, control answered", hostile.StandardOutput, StringComparison.Ordinal);
        LabStack.AssertNoException(ended);
        Assert.Equal(2, ToolOutput.Counter(ToolOutput.Counters(ended.StandardOutput), "DroppedSourceRouted"));
    }

    [LabFact(LabRequirement.Scapy)]
    public async Task MartianSourcesAreNotAnsweredAndAreCountedPerReason()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync();

        ProcessResult hostile = await SendAsync(lab, "martians");
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        Assert.StartsWith("sent 8 martians frames, 0 answered, control answered", hostile.StandardOutput, StringComparison.Ordinal);
        LabStack.AssertNoException(ended);
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        // 0.0.0.0 and 0.1.2.3; 255.255.255.255 and 10.0.0.255; then one each.
        Assert.Equal(2, ToolOutput.Counter(counters, "DroppedSourceThisNetwork"));
        Assert.Equal(2, ToolOutput.Counter(counters, "DroppedSourceBroadcast"));
        Assert.Equal(1, ToolOutput.Counter(counters, "DroppedSourceLoopback"));
        Assert.Equal(1, ToolOutput.Counter(counters, "DroppedSourceReserved"));
        Assert.Equal(1, ToolOutput.Counter(counters, "DroppedSourceMulticast"));
        Assert.Equal(1, ToolOutput.Counter(counters, "DroppedSourceOwnAddress"));
    }

    private static async Task<ProcessResult> SendAsync(Lab lab, string kind) =>
        (await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("hostile.py", kind, "--iface", lab.TapName, "--port", $"{EchoPort}"), TimeSpan.FromSeconds(30))).EnsureSuccess();

    private static Task<ProcessResult> EchoOverTcpAsync(Lab lab) =>
        lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("tcp_echo_client.py", Stack, $"{EchoPort}", "--bytes", "100000", "--seed", "land", "--stall", "15", "--deadline", "30"), TimeSpan.FromSeconds(40));

    /// <summary>User and system CPU time of a process so far (proc(5): fields 14 and 15 of /proc/PID/stat).</summary>
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        const int UserTimeField = 14 - 3, SystemTimeField = 15 - 3;
        long ticks = long.Parse(fields[UserTimeField], CultureInfo.InvariantCulture) + long.Parse(fields[SystemTimeField], CultureInfo.InvariantCulture);
        return ticks / ClockTicksPerSecond;
    }
}
