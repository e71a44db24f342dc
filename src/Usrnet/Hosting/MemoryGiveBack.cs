using System.Diagnostics;
using Usrnet.Iface;
using Usrnet.Phy;

namespace Usrnet.Hosting;

/// <summary>
/// Gives the process's memory back to the system (<see cref="InterfaceRunnerOptions.GiveBackMemory"/>). The
/// kernel frees a socket's memory when it closes; here the memory is the garbage collector's, and a
/// collector that has grown for 10,000 connections keeps most of what it committed (and the pooled ring
/// storage stays reachable) long after the traffic is gone: 20 MiB and more for a process that started at
/// 40, and twice the live heap under Kestrel after a burst of requests. Two moments call for a give-back:
/// <list type="bullet">
/// <item><b>Many connections closed:</b> they have fallen to a quarter of their peak, at least
/// <see cref="MinimumClosed"/> fewer, and stayed there for <see cref="QuietPeriod"/>.</item>
/// <item><b>The process fell quiet with slack in the heap:</b> no frame in or out for <see cref="QuietPeriod"/>,
/// then less than <see cref="QuietAllocationBytes"/> allocated in the next one (the application has finished
/// what the last frames asked of it, too), while the collector holds at least <see cref="MinimumSlackBytes"/> (and a quarter of the live heap)
/// committed beyond what is live, and the last give-back is long enough ago that give-backs take at most a
/// <see cref="SlackCostShare"/>th of the time. Idle connections then cost what they hold, not what the burst
/// that served them left behind.</item>
/// </list>
/// A give-back trims what the stack keeps for reuse (the TCP table's grown collections, the frame buffer
/// pool beyond <see cref="KeptPacketBuffers"/>), asks for one aggressive, compacting full collection
/// (<see cref="GCCollectionMode.Aggressive"/>: the collector decommits what it can), then measures the
/// peak afresh.
/// </summary>
/// <remarks>
/// The collection is blocking and process-wide, so its cost is the size of the whole managed heap, which
/// is why the library leaves this off and the <c>usrnet</c> tool's servers turn it on. It runs only when
/// the process is quiet or most connections are gone, never under load (an aggressive collection every
/// second under load slows a burst of 10,000 requests tenfold), and never once per poll: a server whose
/// connections swing between few and many pays one collection per swing of at least
/// <see cref="MinimumClosed"/> connections, one whose traffic comes in bursts one per burst followed by two
/// quiet seconds, and never more than a <see cref="SlackCostShare"/>th of its time.
/// </remarks>
internal sealed class MemoryGiveBack
{
    /// <summary>Fewest connections that must have closed since the peak: fewer hold too little memory to be worth a full collection.</summary>
    internal const int MinimumClosed = 1000;

    /// <summary>How long the count must stay fallen, or the link silent, so that a pause within a burst does not collect.</summary>
    internal static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);

    /// <summary>Most the process may allocate in a quiet period and still count as quiet: timers and heartbeats, not requests being served.</summary>
    internal const long QuietAllocationBytes = 1L << 20;

    /// <summary>Least slack (committed beyond live at the last collection) worth a full collection when the link falls quiet.</summary>
    internal const long MinimumSlackBytes = 32L << 20;

    /// <summary>
    /// A give-back for slack waits this many times as long as the last give-back took, counted from its
    /// start: collections that give memory back take at most this share of the time (1/10).
    /// </summary>
    internal const int SlackCostShare = 10;

    /// <summary>Frame buffers the pool keeps through a give-back: a round of the runner's staging.</summary>
    internal const int KeptPacketBuffers = InterfaceRunner.StagedFramesPerRound;

    private readonly Func<TimeSpan> _collect;
    private readonly Func<HeapFigures> _heap;
    private int _peak;
    private Instant? _closedDueAt;
    private long _frames; // an interface that has carried no frame has had no burst
    private Instant? _quietAt;
    private long? _allocatedWhenSilent;
    private Instant? _slackAllowedAt;

    /// <summary>
    /// A give-back that runs <paramref name="collect"/> when due (<see cref="GiveBack"/> for a runner's
    /// interface; it returns how long it took), reading the heap's figures with <paramref name="heap"/>
    /// (<see cref="MeasureHeap"/> by default).
    /// </summary>
    internal MemoryGiveBack(Func<TimeSpan> collect, Func<HeapFigures>? heap = null)
    {
        _collect = collect;
        _heap = heap ?? MeasureHeap;
    }

    /// <summary>Collections run so far.</summary>
    internal int Collections { get; private set; }

    /// <summary>When <see cref="Observe"/> next has something to do (the end of a quiet period); null for nothing.</summary>
    internal Instant? PollAt => Instant.Min(_closedDueAt, _quietAt);

    /// <summary>
    /// Takes the interface's connection count and its count of frames received and sent at
    /// <paramref name="now"/>; collects when either moment of the summary has come.
    /// </summary>
    internal void Observe(Instant now, int connections, long frames)
    {
        if (frames != _frames)
        {
            _frames = frames;
            _quietAt = now + QuietPeriod;
            _allocatedWhenSilent = null;
        }
        if (ConnectionsClosed(now, connections) || LinkQuietWithSlack(now))
        {
            TimeSpan took = _collect();
            Collections++;
            _peak = connections;
            _closedDueAt = null;
            _quietAt = null;
            _allocatedWhenSilent = null;
            _slackAllowedAt = now + took * SlackCostShare;
        }
    }

    /// <summary>Whether the connections have stayed fallen for the quiet period; keeps the peak and the deadline.</summary>
    private bool ConnectionsClosed(Instant now, int connections)
    {
        if (connections >= _peak)
        {
            _peak = connections;
            _closedDueAt = null;
            return false;
        }
        bool fallen = _peak - connections >= MinimumClosed && connections <= _peak / 4;
        if (!fallen)
        {
            _closedDueAt = null;
            return false;
        }
        _closedDueAt ??= now + QuietPeriod;
        return now >= _closedDueAt;
    }

    /// <summary>
    /// Whether the link has been silent for a quiet period, the process has then allocated little for another,
    /// and the heap holds enough slack. Silence alone is not enough: after a burst of 10,000 requests the link
    /// can be silent for a second while the application still builds its answers, and a collection then
    /// slows it down. The slack is looked at once per silence (the deadline is cleared), or again when the
    /// last give-back's share of the time allows it.
    /// </summary>
    private bool LinkQuietWithSlack(Instant now)
    {
        if (_quietAt is not { } quiet || now < quiet)
        {
            return false;
        }
        if (_slackAllowedAt is { } allowed && now < allowed)
        {
            _quietAt = allowed;
            return false;
        }
        HeapFigures heap = _heap();
        if (_allocatedWhenSilent is not { } before || heap.AllocatedBytes - before >= QuietAllocationBytes)
        {
            _allocatedWhenSilent = heap.AllocatedBytes; // still busy, or just fell silent: look again a period later
            _quietAt = now + QuietPeriod;
            return false;
        }
        _quietAt = null;
        _allocatedWhenSilent = null;
        long slack = heap.CommittedBytes - heap.LiveBytes;
        return slack >= MinimumSlackBytes && slack >= heap.LiveBytes / 4;
    }

    /// <summary>The number of connections of <paramref name="iface"/> that hold memory: TCP sockets of every state.</summary>
    internal static int Connections(Interface iface) => iface.Sockets.Tcp.Count;

    /// <summary>The frames <paramref name="iface"/> has received and sent: whether the link has been silent.</summary>
    internal static long Frames(Interface iface) => iface.Counters.FramesReceived + iface.Counters.FramesSent;

    /// <summary>The collector's figures: what was live and what it held committed at its last collection, and what the process has allocated so far.</summary>
    internal static HeapFigures MeasureHeap()
    {
        GCMemoryInfo info = GC.GetGCMemoryInfo();
        return new HeapFigures(info.HeapSizeBytes - info.FragmentedBytes, info.TotalCommittedBytes, GC.GetTotalAllocatedBytes(precise: false));
    }

    /// <summary>
    /// What a give-back does for <paramref name="iface"/>: trim the caches, then collect aggressively; returns
    /// how long that took. On the polling thread, outside a dispatch.
    /// </summary>
    internal static TimeSpan GiveBack(Interface iface)
    {
        long start = Stopwatch.GetTimestamp();
        iface.Sockets.Tcp.TrimExcess();
        PacketBuffer.TrimPool(KeptPacketBuffers);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return Stopwatch.GetElapsedTime(start);
    }
}

/// <summary>The managed heap's size: the bytes live after the last collection, the bytes the collector held committed, and the bytes allocated since the process started.</summary>
internal readonly record struct HeapFigures(long LiveBytes, long CommittedBytes, long AllocatedBytes);
