using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Usrnet.Cli;

/// <summary>
/// <c>--stats-interval SECONDS</c> of the servers (<c>tcp-echo</c>, <c>serve</c>): every SECONDS one line on
/// stderr, <c>usrnet: 10000 connections, rss 152.3 MiB, gc heap 80.1 MiB, gc committed 96.0 MiB</c>, so a
/// benchmark can read the process's memory with many connections open (bench/scale.sh).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>rss</b>: <c>VmRSS</c> of <c>/proc/self/status</c>, what the kernel charges the process (the
/// same figure a script reads from outside).</item>
/// <item><b>gc heap</b>: <see cref="GC.GetTotalMemory(bool)"/> with a forced full, blocking collection first,
/// so it is the managed memory still reachable, not garbage a lazy collector has not yet reclaimed. The
/// forced collection costs the process a pause per line: this is a benchmark option.</item>
/// <item><b>gc committed</b>: <see cref="GCMemoryInfo.TotalCommittedBytes"/> after that collection, what
/// the GC holds from the OS (live objects, fragmentation, and free space it keeps).</item>
/// </list>
/// </remarks>
public static partial class ProcessStats
{
    private const double BytesPerMebibyte = 1024 * 1024;
    private const long BytesPerKibibyte = 1024;

    /// <summary>A new <c>--stats-interval</c> option for a command (no value: no lines).</summary>
    public static Option<double?> CreateOption() => new("--stats-interval")
    {
        Description = "every SECONDS, print on stderr the open connections, RSS and GC heap (after a forced full garbage collection, so the heap is what is live; a benchmark option)",
        HelpName = "SECONDS",
    };

    /// <summary>The interval of <paramref name="option"/> as given, or null when it was not; refuses zero, negatives and NaN.</summary>
    public static TimeSpan? ReadInterval(ParseResult parse, Option<double?> option)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(option) is { } seconds ? CommandLineValues.Seconds(option.Name, seconds, minimum: 0.001) : null;
    }

    /// <summary>
    /// Prints a line every <paramref name="interval"/> on <paramref name="error"/> from a timer thread until
    /// disposed; null (no timer) when <paramref name="interval"/> is null. <paramref name="connections"/> is
    /// read on that thread: it must be safe to call from any thread (a snapshot may be one poll old).
    /// </summary>
    public static IDisposable? Start(TimeSpan? interval, Func<int> connections, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(error);
        if (interval is not { } period)
        {
            return null;
        }
        return new Timer(_ =>
        {
            error.WriteLine(Format(Measure(connections())));
            error.Flush();
        }, null, period, period);
    }

    /// <summary>Measures the process now (forcing a full garbage collection first, see the remarks).</summary>
    public static Sample Measure(int connections)
    {
        long live = GC.GetTotalMemory(forceFullCollection: true);
        long committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        return new Sample(connections, ResidentBytes(), live, committed);
    }

    /// <summary>The line for <paramref name="sample"/>, sizes in MiB with one decimal.</summary>
    public static string Format(Sample sample) => string.Create(CultureInfo.InvariantCulture,
        $"usrnet: {sample.Connections} connections, rss {sample.ResidentBytes / BytesPerMebibyte:0.0} MiB, gc heap {sample.GcHeapBytes / BytesPerMebibyte:0.0} MiB, gc committed {sample.GcCommittedBytes / BytesPerMebibyte:0.0} MiB");

    /// <summary>Reads a line written by <see cref="Format"/> (sizes back to bytes, to the MiB's first decimal).</summary>
    public static bool TryParse(string line, out Sample sample)
    {
        Match m = LinePattern().Match(line ?? "");
        if (!m.Success)
        {
            sample = default;
            return false;
        }
        sample = new Sample(
            int.Parse(m.Groups["connections"].Value, CultureInfo.InvariantCulture),
            Bytes(m.Groups["rss"].Value), Bytes(m.Groups["heap"].Value), Bytes(m.Groups["committed"].Value));
        return true;
    }

    /// <summary>The resident set from <c>/proc/self/status</c> (<c>VmRSS: N kB</c>), or <see cref="Environment.WorkingSet"/> without it.</summary>
    private static long ResidentBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * BytesPerKibibyte;
                }
            }
        }
        catch (IOException)
        {
            // not Linux, or no procfs mounted: the runtime's own figure below
        }
        return Environment.WorkingSet;
    }

    private static long Bytes(string mebibytes) => (long)(double.Parse(mebibytes, CultureInfo.InvariantCulture) * BytesPerMebibyte);

    [GeneratedRegex(@"^usrnet: (?<connections>\d+) connections, rss (?<rss>\d+\.\d) MiB, gc heap (?<heap>\d+\.\d) MiB, gc committed (?<committed>\d+\.\d) MiB$")]
    private static partial Regex LinePattern();

    /// <summary>One measurement: open connections and the process's memory in bytes.</summary>
    /// <param name="Connections">Connections the command holds open.</param>
    /// <param name="ResidentBytes">The resident set (VmRSS).</param>
    /// <param name="GcHeapBytes">Managed bytes reachable after a full collection.</param>
    /// <param name="GcCommittedBytes">Bytes the GC has committed from the OS.</param>
    public readonly record struct Sample(int Connections, long ResidentBytes, long GcHeapBytes, long GcCommittedBytes);
}
