using Microsoft.Extensions.Logging;
using Usrnet.Sockets.Dns;
using Usrnet.Wire;

namespace Usrnet.Hosting;

/// <summary>How an <see cref="InterfaceRunner"/> drives its interface: its clock and its resolver's fixed configuration.</summary>
public sealed record InterfaceRunnerOptions
{
    /// <summary>
    /// The clock every poll reads (<see cref="TimeProvider.GetTimestamp"/>) and every wait is measured on;
    /// <see cref="TimeProvider.System"/> by default. A fake clock drives the stack on virtual time: a wait
    /// then ends when the fake clock reaches its deadline (through <see cref="TimeProvider.CreateTimer"/>).
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Name servers the resolver asks (in order). Empty by default; a DHCP lease fills them in when these are empty.</summary>
    public IReadOnlyList<Ipv4Address> DnsServers { get; init; } = [];

    /// <summary>The search domain for names without a dot (resolv.conf's <c>search</c>); DHCP's option 15 when null.</summary>
    public string? SearchDomain { get; init; }

    /// <summary>The resolver's timeouts, attempts and cache size.</summary>
    public DnsResolverOptions Dns { get; init; } = new();

    /// <summary>
    /// Whether the runner gives the process's memory back to the system after a burst: when the interface's
    /// TCP connections have fallen to a quarter of their peak (at least 1,000 fewer) and stayed there for a
    /// second, or when no frame has come or gone for a second, the process then allocates less than 1 MiB
    /// in a second, and the collector holds at least 32 MiB (and a quarter of the live heap) beyond what is
    /// live, it runs one aggressive, compacting, blocking full garbage collection, which decommits what the
    /// collector no longer needs; such collections take at most a tenth of the time. Off by default: the
    /// collection is process-wide and costs what the whole heap costs, a choice for the application. The
    /// <c>usrnet</c> tool turns it on.
    /// </summary>
    public bool GiveBackMemory { get; init; }

    /// <summary>Where the give-back reads the heap's figures (tests); the collector's own when null.</summary>
    internal Func<HeapFigures>? GiveBackHeap { get; init; }

    /// <summary>Where the DHCP client logs; none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
