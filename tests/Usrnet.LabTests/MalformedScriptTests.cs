namespace Usrnet.LabTests;

/// <summary>
/// scripts/malformed.py, the source of bad frames for the stack's robustness tests. Here only the
/// script: it runs inside a lab and sends what it says (the tap has no reader, so the kernel drops them).
/// </summary>
public sealed class MalformedScriptTests(ITestOutputHelper output)
{
    [LabFact(LabRequirement.Scapy)]
    public async Task SendsEveryKindRepeatably()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult first = (await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("malformed.py", "200", "--seed", "7"))).EnsureSuccess();
        ProcessResult second = (await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("malformed.py", "200", "--seed", "7"))).EnsureSuccess();

        Assert.StartsWith("sent 200 malformed frames on tap0 (seed 7, refused 0)", first.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(first.StandardOutput, second.StandardOutput);
        ProcessResult counters = (await lab.RunAsync(lab.Namespace, ["cat", $"/sys/class/net/{lab.TapName}/statistics/tx_dropped"])).EnsureSuccess();
        Assert.Equal(400, int.Parse(counters.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
