namespace Usrnet.Fuzz;

/// <summary>
/// One fuzz target: a function of arbitrary bytes that must return normally. An exception escaping
/// <see cref="Run"/> is a finding: the parser threw, or an invariant (<see cref="InvariantViolationException"/>) broke.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>Largest input a target looks at: the largest IPv4 datagram.</summary>
    public const int MaxInputLength = ushort.MaxValue;

    /// <summary>The name on the command line and of the corpus folder (fuzz/corpus/NAME).</summary>
    public abstract string Name { get; }

    /// <summary>One line: what the input is and what is checked.</summary>
    public abstract string Description { get; }

    /// <summary>Runs one input; throws on a finding.</summary>
    public abstract void Run(ReadOnlySpan<byte> input);

    /// <summary>Every target, in the order run.sh runs them.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new Targets.EthernetTarget(),
        new Targets.ArpTarget(),
        new Targets.Ipv4Target(),
        new Targets.IcmpTarget(),
        new Targets.Ipv6Target(),
        new Targets.UdpTarget(),
        new Targets.TcpTarget(),
        new Targets.DhcpTarget(),
        new Targets.DnsTarget(),
        new Targets.InterfaceTarget(),
    ];

    /// <summary>The target called <paramref name="name"/>, or null.</summary>
    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
