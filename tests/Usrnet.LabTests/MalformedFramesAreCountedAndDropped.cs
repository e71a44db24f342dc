using System.Globalization;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// scripts/malformed.py's 18 kinds of broken frames, sent by the kernel at the tap while <c>usrnet up</c>
/// runs: the stack counts and drops them, throws nothing, and keeps answering ping (docs/articles/design.md §2).
/// </summary>
public sealed class MalformedFramesAreCountedAndDropped(ITestOutputHelper output)
{
    private const int Frames = 1000;

    [LabFact(LabRequirement.Scapy, "ping")]
    public async Task AThousandMalformedFramesAreDroppedAndCountedAndTheStackStillAnswersPing()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync();

        ProcessResult script = (await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("malformed.py", $"{Frames}", "--iface", lab.TapName, "--seed", "1"), TimeSpan.FromSeconds(45))).EnsureSuccess();
        ProcessResult ping = await lab.RunAsync(lab.Namespace, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", LabTopology.StackAddress.ToString()], TimeSpan.FromSeconds(20));
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        Match sent = Regex.Match(script.StandardOutput, @"^sent (?<sent>\d+) malformed frames on \S+ \(seed \d+, refused (?<refused>\d+)\)");
        Assert.True(sent.Success, script.ToString());
        int frames = int.Parse(sent.Groups["sent"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(Frames, frames + int.Parse(sent.Groups["refused"].Value, CultureInfo.InvariantCulture));
        Assert.True(frames >= Frames * 9 / 10, $"the kernel refused too many frames: {script}");

        Assert.True(ping.Succeeded, $"the stack stopped answering after the malformed frames: {ping}\n{ended}");
        Assert.Equal(3, ToolOutput.PingReceived(ping.StandardOutput));

        LabStack.AssertStoppedBySigterm(ended);
        Assert.False(ended.TimedOut, ended.ToString());
        Assert.DoesNotContain("Exception", ended.StandardError, StringComparison.Ordinal);
        LabStack.AssertNoException(ended);
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        long malformed = ToolOutput.Counter(counters, "DroppedMalformed");
        long badChecksum = ToolOutput.Counter(counters, "DroppedBadChecksum");
        long total = ToolOutput.Counter(counters, "TotalDropped");
        output.WriteLine($"sent {frames}: DroppedMalformed {malformed}, DroppedBadChecksum {badChecksum}, TotalDropped {total}");
        Assert.True(malformed > 0, ended.StandardOutput);
        Assert.True(badChecksum > 0, ended.StandardOutput);
        // Some kinds are legitimately counted under other reasons (unknown EtherType, fragments that
        // never complete); a fragment still waiting for its rest when the stack stops is not yet counted.
        Assert.True(total >= frames * 9 / 10, $"TotalDropped {total} < 90% of the {frames} malformed frames sent:\n{ended.StandardOutput}");
        Assert.True(malformed + badChecksum >= frames / 2, $"DroppedMalformed + DroppedBadChecksum = {malformed + badChecksum} < half of the {frames} sent:\n{ended.StandardOutput}");
    }
}
