using System.Globalization;
using System.Text.RegularExpressions;
using Usrnet.Cli.Lab;

namespace Usrnet.LabTests;

/// <summary>
/// <c>usrnet bench reader</c> and <c>bench writer</c> against a kernel socat in the near namespace, and
/// <c>bench in-process</c> and <c>bench async</c> over the in-memory link with offloads on and off: each
/// moves all its bytes, exits 0 and prints a positive throughput. No speed is asserted (figures belong
/// in BENCHMARKS.md); they are written to the test output.
/// </summary>
public sealed partial class BenchFigures(ITestOutputHelper output)
{
    private const long Bytes = 200_000_000;
    private static readonly string Stack = LabTopology.StackAddress.ToString();

    [LabFact("ping", "socat", "wc")]
    public async Task BenchReaderSendsEveryByteToAKernelReader()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess bench = await lab.StartStackAsync("bench", "reader", "--bytes", $"{Bytes}");

        ProcessResult reader = await lab.RunAsync(lab.Namespace, TcpPeers.Shell($"socat -u TCP:{Stack}:1234 - | wc -c"), TimeSpan.FromSeconds(40));
        ProcessResult ended = await bench.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(reader.Succeeded, $"{reader}\n\nbench: {ended}");
        Assert.Equal($"{Bytes}", reader.StandardOutput.Trim());
        AssertFigures(ended, "stack sends");
    }

    [LabFact("ping", "socat", "head")]
    public async Task BenchWriterReceivesEveryByteFromAKernelWriter()
    {
        await using Lab lab = await Lab.CreateAsync(output);
        BackgroundProcess bench = await lab.StartStackAsync("bench", "writer", "--bytes", $"{Bytes}");

        ProcessResult writer = await lab.RunAsync(lab.Namespace, TcpPeers.Shell($"head -c {Bytes} /dev/zero | socat -u - TCP:{Stack}:1235"), TimeSpan.FromSeconds(40));
        ProcessResult ended = await bench.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(writer.Succeeded, $"{writer}\n\nbench: {ended}");
        AssertFigures(ended, "stack receives");
    }

    [Theory]
    [InlineData("in-process", "on", "MTU 1500, offload on, segments up to 65535 bytes")]
    [InlineData("in-process", "off", "MTU 1500, offload off, segments up to 1500 bytes")]
    [InlineData("async", "on", "MTU 1500, offload on, segments up to 65535 bytes")]
    [InlineData("async", "off", "MTU 1500, offload off, segments up to 1500 bytes")]
    public async Task BenchOverTheInMemoryLinkMovesEveryByteInBothModes(string command, string offload, string link)
    {
        const long bytes = 20_000_000;
        ProcessResult bench = await UsrnetCli.RunAsync(["bench", command, "--bytes", $"{bytes}", "--offload", offload], TimeSpan.FromSeconds(60));

        Assert.True(bench.Succeeded, bench.ToString());
        Match m = InMemoryFigures().Match(bench.StandardOutput);
        Assert.True(m.Success, $"no figures line: {bench}");
        Assert.Equal(bytes, long.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(link, m.Groups["link"].Value);
        Assert.True(double.Parse(m.Groups["gbps"].Value, CultureInfo.InvariantCulture) > 0, bench.StandardOutput);
        output.WriteLine($"FIGURES: usrnet bench {command} --offload {offload}: {m.Value}");
    }

    private void AssertFigures(ProcessResult bench, string direction)
    {
        Assert.True(bench.Succeeded, bench.ToString());
        LabStack.AssertNoException(bench);
        Match m = Figures().Match(bench.StandardOutput);
        Assert.True(m.Success, $"no figures line: {bench}");
        Assert.Equal(Bytes, long.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(direction, m.Groups["direction"].Value);
        double gbps = double.Parse(m.Groups["gbps"].Value, CultureInfo.InvariantCulture);
        Assert.True(gbps > 0, bench.StandardOutput);
        output.WriteLine($"FIGURES: usrnet bench {(direction == "stack sends" ? "reader" : "writer")}: {m.Value}");
    }

    [GeneratedRegex(@"^(?<bytes>\d+) bytes in (?<seconds>[0-9.]+) s: (?<gbps>[0-9.]+) Gbps \((?<direction>stack sends|stack receives)\); retransmissions (?<retransmissions>\d+), allocated (?<allocated>\d+) bytes$", RegexOptions.Multiline)]
    private static partial Regex Figures();

    [GeneratedRegex(@"^(?<bytes>\d+) bytes in [0-9.]+ s: (?<gbps>[0-9.]+) Gbps \((two stacks, one thread|two NetworkStacks, TcpStream, \d+-byte writes), (?<link>MTU \d+, offload (on|off), segments up to \d+ bytes)\); retransmissions \d+, allocated \d+ bytes(, receive buffer grown to \d+)?$", RegexOptions.Multiline)]
    private static partial Regex InMemoryFigures();
}
