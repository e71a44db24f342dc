using System.Text.Json;
using Xunit.Sdk;

namespace Usrnet.LabTests;

/// <summary>
/// The kernel's SNMP and netstat counters of one network namespace, as iproute2's <c>nstat</c> reads
/// them (absolute values, its history file neither read nor written): a test reads them before and
/// after its traffic and asserts on the difference, e.g. that the kernel found no bad checksum in
/// anything the stack sent (<c>TcpInCsumErrors</c>, <c>UdpInCsumErrors</c>, <c>IcmpInCsumErrors</c>).
/// </summary>
public sealed class KernelCounters
{
    private readonly IReadOnlyDictionary<string, long> _values;

    private KernelCounters(string ns, IReadOnlyDictionary<string, long> values)
    {
        Namespace = ns;
        _values = values;
    }

    /// <summary>The namespace they were read in.</summary>
    public string Namespace { get; }

    /// <summary>One counter's value (0 for a name this kernel does not have).</summary>
    public long this[string name] => _values.GetValueOrDefault(name);

    /// <summary>Reads every counter of <paramref name="ns"/> with <c>nstat -asjz</c>.</summary>
    public static async Task<KernelCounters> ReadAsync(Lab lab, string ns)
    {
        ArgumentNullException.ThrowIfNull(lab);
        ProcessResult nstat = (await lab.RunAsync(ns, ["nstat", "--ignore", "--noupdate", "--zeros", "--json"]).ConfigureAwait(false)).EnsureSuccess();
        try
        {
            using JsonDocument json = JsonDocument.Parse(nstat.StandardOutput);
            Dictionary<string, long> values = json.RootElement.GetProperty("kernel").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            return new KernelCounters(ns, values);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new XunitException($"nstat's JSON could not be read ({e.Message}): {nstat}");
        }
    }

    /// <summary>The counters that grew from <paramref name="before"/> to this reading, with how much.</summary>
    public IReadOnlyDictionary<string, long> IncreaseSince(KernelCounters before)
    {
        ArgumentNullException.ThrowIfNull(before);
        return _values.Where(kv => kv.Value > before[kv.Key]).ToDictionary(kv => kv.Key, kv => kv.Value - before[kv.Key]);
    }

    /// <summary>
    /// Fails the test when any checksum-error counter (every name with <c>CsumErr</c>: IP, ICMP, TCP,
    /// UDP) grew since <paramref name="before"/>, naming each with its increase.
    /// </summary>
    public void AssertNoChecksumErrorsSince(KernelCounters before)
    {
        string[] grown = [.. IncreaseSince(before).Where(kv => kv.Key.Contains("CsumErr", StringComparison.Ordinal)).Select(kv => $"{kv.Key} +{kv.Value}")];
        Assert.True(grown.Length == 0, $"the kernel in {Namespace} counted checksum errors: {string.Join(", ", grown)}");
    }

    /// <summary>Fails the test unless <paramref name="name"/> grew by at least <paramref name="least"/> since <paramref name="before"/>.</summary>
    public void AssertGrewSince(KernelCounters before, string name, long least = 1)
    {
        ArgumentNullException.ThrowIfNull(before);
        long grown = this[name] - before[name];
        Assert.True(grown >= least, $"{name} in {Namespace} grew by {grown}, not at least {least} ({before[name]} -> {this[name]})");
    }
}
