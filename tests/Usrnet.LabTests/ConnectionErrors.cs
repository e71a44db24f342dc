using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// How TCP connections fail, both ways: <c>usrnet tcp-cat</c> to a closed kernel port says "connection
/// refused"; a kernel connect to a closed port of the stack gets a reset (and <c>usrnet up</c> counts
/// it); stopping <c>usrnet tcp-echo</c> aborts its open connections, which the kernel sees as a reset.
/// </summary>
public sealed class ConnectionErrors(ITestOutputHelper output)
{
    private static readonly string Stack = LabTopology.StackAddress.ToString();
    private static readonly string Kernel = LabTopology.Gateway.ToString();

    [LabFact("ping")]
    public async Task TcpCatToAClosedKernelPortIsRefusedQuickly()
    {
        await using Lab lab = await Lab.CreateAsync(output);

        ProcessResult cat = await lab.RunUsrnetAsync(["tcp-cat", Kernel, "9"], TimeSpan.FromSeconds(20));

        Assert.False(cat.TimedOut, cat.ToString());
        Assert.Equal(1, cat.ExitCode);
        Assert.Equal($"usrnet: tcp-cat: {Kernel}:9: connection refused", cat.StandardError.TrimEnd('\n'));
        Assert.Equal("", cat.StandardOutput);
        // A reset answers at once; a few seconds cover a cold dotnet start on a loaded machine (no SYN
        // retransmission: the first one would come after 1 s, and a timeout takes minutes).
        Assert.True(cat.Elapsed < TimeSpan.FromSeconds(10), cat.ToString());
    }

    [LabFact("nc")]
    public async Task TcpCatToAnAddressNobodyHasSaysNoRouteToHostAfterArpGivesUpAsTheKernelDoes()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        const string Nobody = "10.0.0.99"; // on the link, answers no ARP

        ProcessResult cat = await lab.RunUsrnetAsync(["tcp-cat", Nobody, "80"], TimeSpan.FromSeconds(60));
        ProcessResult kernel = await lab.RunAsync(lab.Namespace, ["nc", "-v", "-N", "-w", "30", Nobody, "80"], TimeSpan.FromSeconds(60), stdin: "");

        Assert.False(cat.TimedOut, cat.ToString());
        Assert.Equal(1, cat.ExitCode);
        Assert.Equal($"usrnet: tcp-cat: {Nobody}:80: no route to host", cat.StandardError.TrimEnd('\n'));
        // The kernel's connect fails the same way, "No route to host", once its ARP gives up.
        Assert.Contains("No route to host", kernel.StandardError, StringComparison.Ordinal);
        // Three ARP requests a second apart, then the SYN-SENT attempt ends (not after every SYN retry: minutes).
        Assert.True(cat.Elapsed < TimeSpan.FromSeconds(15), cat.ToString());
    }

    [LabFact("ping", LabScripts.Python)]
    public async Task AKernelConnectToAClosedStackPortIsReset()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess stack = await lab.StartStackAsync();

        ProcessResult client = await lab.RunAsync(lab.Namespace, LabScripts.PythonCommand("tcp_connect.py", Stack, "81", "--timeout", "5"), TimeSpan.FromSeconds(15));
        ProcessResult ended = await LabStack.StopStackAsync(stack);

        // tcp_connect.py prints "refused" only for ConnectionRefusedError: the SYN drew a RST.
        Assert.True(client.Succeeded, client.ToString());
        Assert.StartsWith("refused after ", client.StandardOutput, StringComparison.Ordinal);
        LabStack.AssertStoppedBySigterm(ended);
        IReadOnlyDictionary<string, long> counters = ToolOutput.Counters(ended.StandardOutput);
        Assert.True(ToolOutput.Counter(counters, "TcpResetsSent") >= 1, ended.StandardOutput);
    }

    [LabFact("ping", LabScripts.Python)]
    public async Task StoppingTcpEchoResetsItsOpenConnections()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess echo = await lab.StartStackAsync("tcp-echo", "7");
        BackgroundProcess client = lab.Start(lab.Namespace, LabScripts.PythonCommand("tcp_connect.py", Stack, "7", "--timeout", "5", "--hold", "20"));
        await TcpPeers.ExpectOutputAsync(client, "echoed", TimeSpan.FromSeconds(10), echo);

        ProcessResult ended = await LabStack.StopStackAsync(echo);
        ProcessResult held = await client.WaitForExitAsync(TimeSpan.FromSeconds(10));

        LabStack.AssertStoppedBySigterm(ended);
        LabStack.AssertNoException(ended);
        Assert.Contains("usrnet: 1 connections", ended.StandardOutput, StringComparison.Ordinal);
        // The connection ended when tcp-echo did (not after --hold), by a reset (the abort) or an EOF.
        Assert.False(held.TimedOut, held.ToString());
        Assert.True(held.Succeeded, held.ToString());
        string how = held.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.True(how is "reset" or "eof", held.ToString());
        output.WriteLine($"the kernel client saw: {how}");
    }
}
