using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace Usrnet.LabTests;

/// <summary>Reads what the tools print: iputils ping's summary, <c>usrnet up</c>'s counters, traceroute's hop lines.</summary>
public static partial class ToolOutput
{
    /// <summary>The "N received" of a ping summary (iputils and usrnet print the same line).</summary>
    public static int PingReceived(string output) => int.Parse(Single(PingSummary(), output, "ping summary").Groups["received"].Value, CultureInfo.InvariantCulture);

    /// <summary>The "N packets transmitted" of a ping summary.</summary>
    public static int PingTransmitted(string output) => int.Parse(Single(PingSummary(), output, "ping summary").Groups["transmitted"].Value, CultureInfo.InvariantCulture);

    /// <summary>The "N% packet loss" of a ping summary.</summary>
    public static int PingLossPercent(string output) => int.Parse(Single(PingSummary(), output, "ping summary").Groups["loss"].Value, CultureInfo.InvariantCulture);

    /// <summary>The "time Nms" of a ping summary: from start to the last reply (iputils) or event (usrnet).</summary>
    public static int PingTimeMilliseconds(string output) => int.Parse(Single(PingSummary(), output, "ping summary").Groups["time"].Value, CultureInfo.InvariantCulture);

    /// <summary>The TTLs of the reply lines (<c>... icmp_seq=1 ttl=63 time=...</c>).</summary>
    public static IReadOnlyList<int> PingReplyTtls(string output) =>
        [.. PingReply().Matches(output).Select(m => int.Parse(m.Groups["ttl"].Value, CultureInfo.InvariantCulture))];

    /// <summary>
    /// The counters <c>usrnet up</c> (and udp-echo) print on exit, lines like <c>  DroppedMalformed   12</c>
    /// under <c>usrnet: interface statistics</c> (or another <paramref name="section"/>, e.g. <c>dhcp client</c>).
    /// Fails the test when there are none.
    /// </summary>
    public static IReadOnlyDictionary<string, long> Counters(string output, string section = "interface")
    {
        string header = $"{section} statistics";
        int start = output.IndexOf(header, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new XunitException($"no {header} in the output:\n{output}");
        }
        // The section runs to the next "usrnet: " line (another section) or the end.
        int end = output.IndexOf("usrnet: ", start + header.Length, StringComparison.Ordinal);
        Dictionary<string, long> counters = [];
        foreach (Match m in CounterLine().Matches(output[start..(end < 0 ? output.Length : end)]))
        {
            counters[m.Groups["name"].Value] = long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        if (counters.Count == 0 || (section == "interface" && !counters.ContainsKey("TotalDropped")))
        {
            throw new XunitException($"the {header} are incomplete:\n{output}");
        }
        return counters;
    }

    /// <summary>A counter by name; fails the test (showing all of them) when it is missing.</summary>
    public static long Counter(IReadOnlyDictionary<string, long> counters, string name) =>
        counters.TryGetValue(name, out long value)
            ? value
            : throw new XunitException($"no counter {name} among {string.Join(", ", counters.Keys)}");

    /// <summary>
    /// The hop lines of a traceroute (Linux or usrnet, with -n addresses), by hop number: hop → the
    /// addresses that answered, in order. Lines of only stars give an empty list.
    /// </summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<string>> TracerouteHops(string output)
    {
        Dictionary<int, IReadOnlyList<string>> hops = [];
        foreach (string line in output.Split('\n'))
        {
            Match m = HopLine().Match(line);
            if (m.Success)
            {
                hops[int.Parse(m.Groups["hop"].Value, CultureInfo.InvariantCulture)] =
                    [.. Address().Matches(m.Groups["rest"].Value).Select(a => a.Value)];
            }
        }
        return hops;
    }

    private static Match Single(Regex regex, string output, string what)
    {
        MatchCollection matches = regex.Matches(output);
        return matches.Count == 1 ? matches[0] : throw new XunitException($"expected one {what}, found {matches.Count}, in:\n{output}");
    }

    [GeneratedRegex(@"(?<transmitted>\d+) packets transmitted, (?<received>\d+) received(, \+\d+ duplicates)?(, \+\d+ errors)?, (?<loss>\d+)% packet loss(, time (?<time>\d+)ms)?")]
    private static partial Regex PingSummary();

    [GeneratedRegex(@"icmp_seq=\d+ ttl=(?<ttl>\d+) time=")]
    private static partial Regex PingReply();

    [GeneratedRegex(@"^\s+(?<name>[A-Za-z]+)\s+(?<value>-?\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex CounterLine();

    [GeneratedRegex(@"^\s?(?<hop>\d+)\s+(?<rest>.*)$")]
    private static partial Regex HopLine();

    [GeneratedRegex(@"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex Address();
}
