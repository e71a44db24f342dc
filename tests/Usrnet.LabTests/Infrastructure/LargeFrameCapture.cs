using System.Globalization;
using System.Text.RegularExpressions;

namespace Usrnet.LabTests;

/// <summary>
/// <c>tcpdump -i TAP -s 0</c> inside the near namespace for TCP frames longer than an Ethernet frame of
/// the tap's MTU can be: what the stack and the kernel hand each other whole when the tap carries
/// vnet-header offloads (TCP segmentation by the kernel for the stack's segments, unsegmented
/// segments from the kernel). With plain frames there are none.
/// <code>
/// BackgroundProcess capture = await LargeFrameCapture.StartAsync(lab, Stack, Kernel);
/// ... the transfer ...
/// IReadOnlyList&lt;int&gt; lengths = LargeFrameCapture.Lengths(await capture.StopAsync(), Stack, Kernel);
/// </code>
/// </summary>
public static partial class LargeFrameCapture
{
    /// <summary>An Ethernet frame carrying an IPv4 packet of the tap's MTU (1500) is 14 + 1500 bytes.</summary>
    public const int LargestFrameWithinMtu = 14 + 1500;

    /// <summary>How many large frames a capture prints before it exits by itself (it costs little after that).</summary>
    public const int FramesWanted = 20;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts the capture of TCP frames from <paramref name="source"/> to <paramref name="destination"/>
    /// longer than <see cref="LargestFrameWithinMtu"/>, each printed with its link-level length
    /// (<c>-e</c>), and returns once tcpdump listens; otherwise stops it and <paramref name="others"/>
    /// and fails the test with their output.
    /// </summary>
    public static async Task<BackgroundProcess> StartAsync(Lab lab, string source, string destination, params BackgroundProcess[] others)
    {
        ArgumentNullException.ThrowIfNull(lab);
        string filter = $"tcp and src host {source} and dst host {destination} and greater {LargestFrameWithinMtu + 1}";
        BackgroundProcess capture = lab.Start(lab.Namespace, ["tcpdump", "-i", lab.TapName, "-s", "0", "-n", "-e", "-l", "-c", $"{FramesWanted}", filter]);
        await TcpPeers.ExpectOutputAsync(capture, $"listening on {lab.TapName}", StartTimeout, others).ConfigureAwait(false);
        return capture;
    }

    /// <summary>The link-level lengths of the frames above the MTU from <paramref name="source"/> to <paramref name="destination"/> in a capture's output.</summary>
    public static IReadOnlyList<int> Lengths(ProcessResult capture, string source, string destination)
    {
        ArgumentNullException.ThrowIfNull(capture);
        return [.. CapturedFrame().Matches(capture.StandardOutput)
            .Where(m => m.Groups["src"].Value == source && m.Groups["dst"].Value == destination)
            .Select(m => int.Parse(m.Groups["length"].Value, CultureInfo.InvariantCulture))
            .Where(length => length > LargestFrameWithinMtu)];
    }

    /// <summary>Fails the test unless the capture saw at least one such frame; returns their lengths.</summary>
    public static IReadOnlyList<int> AssertSeen(ProcessResult capture, string source, string destination)
    {
        IReadOnlyList<int> lengths = Lengths(capture, source, destination);
        Assert.True(lengths.Count > 0, $"tcpdump on the tap saw no TCP frame from {source} to {destination} longer than {LargestFrameWithinMtu} bytes: {capture}");
        return lengths;
    }

    /// <summary>One line of <c>tcpdump -n -e</c>: "TIME MAC > MAC, ethertype IPv4 (0x0800), length N: A.PORT > B.PORT: Flags …".</summary>
    [GeneratedRegex(@"ethertype IPv4 \(0x0800\), length (?<length>\d+): (?<src>\d+\.\d+\.\d+\.\d+)\.\d+ > (?<dst>\d+\.\d+\.\d+\.\d+)\.\d+: ", RegexOptions.Multiline)]
    private static partial Regex CapturedFrame();
}
