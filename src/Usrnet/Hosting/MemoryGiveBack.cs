using Usrnet.Iface;
using Usrnet.Phy;

namespace Usrnet.Hosting;

/// <summary>
/// Gives the process's memory back to the system after many connections have closed
/// (<see cref="InterfaceRunnerOptions.GiveBackMemory"/>). The kernel frees a socket's memory when it
/// closes; here the memory is the garbage collector's, and a collector that has grown for 10,000
/// connections keeps most of what it committed (and the pooled ring storage stays reachable) long after
/// they are gone: 20 MiB and more for a process that started at 40. So when the connections have fallen
/// to a quarter of their peak, at least <see cref="MinimumClosed"/> fewer, and stayed there for
/// <see cref="QuietPeriod"/>, the runner trims what the stack keeps for reuse (the TCP table's grown
/// collections, the frame buffer pool beyond <see cref="KeptPacketBuffers"/>), asks for one aggressive,
/// compacting full collection (<see cref="GCCollectionMode.Aggressive"/>: the collector decommits what it
/// can), then measures the peak afresh.
/// </summary>
/// <remarks>
/// The collection is blocking and process-wide, so its cost is the size of the whole managed heap, which
/// is why the library leaves this off and the <c>usrnet</c> tool's servers turn it on. A server whose
/// connections swing between few and many pays one collection per swing of at least
/// <see cref="MinimumClosed"/> connections (about 5 MiB of memory each time), never one per poll.
/// </remarks>
internal sealed class MemoryGiveBack
{
    /// <summary>Fewest connections that must have closed since the peak: fewer hold too little memory to be worth a full collection.</summary>
    internal const int MinimumClosed = 1000;

    /// <summary>How long the count must stay fallen, so that a burst of closes and reopens does not collect.</summary>
    internal static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);

    /// <summary>Frame buffers the pool keeps through a give-back: a round of the runner's staging.</summary>
    internal const int KeptPacketBuffers = InterfaceRunner.StagedFramesPerRound;

    private readonly Action _collect;
    private int _peak;
    private Instant? _dueAt;

    /// <summary>A give-back that runs <paramref name="collect"/> when due (<see cref="GiveBack"/> for a runner's interface).</summary>
    internal MemoryGiveBack(Action collect) => _collect = collect;

    /// <summary>Collections run so far.</summary>
    internal int Collections { get; private set; }

    /// <summary>When <see cref="Observe"/> next has something to do (the end of the quiet period); null for nothing.</summary>
    internal Instant? PollAt => _dueAt;

    /// <summary>Takes the interface's connection count at <paramref name="now"/>; collects when the count has stayed fallen for <see cref="QuietPeriod"/>.</summary>
    internal void Observe(Instant now, int connections)
    {
        if (connections >= _peak)
        {
            _peak = connections;
            _dueAt = null;
            return;
        }
        bool fallen = _peak - connections >= MinimumClosed && connections <= _peak / 4;
        if (!fallen)
        {
            _dueAt = null;
            return;
        }
        if (_dueAt is not { } due)
        {
            _dueAt = now + QuietPeriod;
            return;
        }
        if (now >= due)
        {
            _collect();
            Collections++;
            _peak = connections;
            _dueAt = null;
        }
    }

    /// <summary>The number of connections of <paramref name="iface"/> that hold memory: TCP sockets of every state.</summary>
    internal static int Connections(Interface iface) => iface.Sockets.Tcp.Count;

    /// <summary>What a give-back does for <paramref name="iface"/>: trim the caches, then collect aggressively. On the polling thread, outside a dispatch.</summary>
    internal static void GiveBack(Interface iface)
    {
        iface.Sockets.Tcp.TrimExcess();
        PacketBuffer.TrimPool(KeptPacketBuffers);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
