using System.Globalization;
using System.Net.Sockets;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.NetSim;

/// <summary>
/// One row of the goodput table: a path (bottleneck, round-trip time, loss, reordering) and how many bytes
/// one TCP connection carries across it from A to B.
/// </summary>
/// <param name="Name">Unique name of the row, without spaces (the snapshot's key).</param>
/// <param name="Bytes">Bytes sent from A to B.</param>
/// <param name="RoundTripTime">Base round-trip time: twice the one-way propagation delay, queues empty.</param>
internal sealed record GoodputScenario(string Name, int Bytes, TimeSpan RoundTripTime)
{
    /// <summary>Rate of the bottleneck, each way (100 Mbit/s).</summary>
    public long BitsPerSecond { get; init; } = 100_000_000;

    /// <summary>Size of the bottleneck's drop-tail queue in bandwidth-delay products (1: the classic rule of thumb).</summary>
    public double QueueBdp { get; init; } = 1.0;

    /// <summary>Chance that a frame is lost at random, each way (or in the good state, with bursts).</summary>
    public double LossChance { get; init; }

    /// <summary>Gilbert–Elliott: chance per frame that a good path turns bad (0: no bursts), each way.</summary>
    public double BurstStartChance { get; init; }

    /// <summary>Gilbert–Elliott: chance per frame that a bad path turns good; a burst loses 1 / this frames on average.</summary>
    public double BurstEndChance { get; init; } = 1.0;

    /// <summary>Chance that a data frame (A→B) is held <see cref="ReorderDelay"/> so that later ones overtake it.</summary>
    public double ReorderChance { get; init; }

    /// <summary>Extra delay of a reordered frame.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Seed of the loss, the reordering and the data of one run.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Runs of the scenario, with seeds 1 to <see cref="Runs"/>, that its row averages (16). One run of a
    /// path is one draw of its losses, and goodput under loss varies from draw to draw: by a factor of
    /// two at 10 % loss, where a few more timeouts, each 200 RTTs long at 1 ms, decide it.
    /// </summary>
    public int Runs { get; init; } = 16;

    /// <summary>True when nothing on the path is random, so every seed gives the same run.</summary>
    public bool IsDeterministic => LossChance == 0 && BurstStartChance == 0 && ReorderChance == 0;

    /// <summary>The bottleneck queue in bytes, never under two full frames so a lone segment always fits.</summary>
    public int QueueBytes => (int)Math.Max(2 * 1514, QueueBdp * BitsPerSecond / 8 * RoundTripTime.TotalSeconds);

    /// <summary>The path of one direction; reordering only on the data's.</summary>
    public PathOptions Path(bool data) => new()
    {
        BitsPerSecond = BitsPerSecond,
        QueueBytes = QueueBytes,
        Delay = RoundTripTime / 2,
        ReorderChance = data ? ReorderChance : 0,
        ReorderDelay = ReorderDelay,
        // Fixed arithmetic, not HashCode, which differs from process to process.
        Seed = 2 * Seed + (data ? 0 : 1),
    };

    /// <summary>The loss on end B, both directions, or null for none.</summary>
    public FaultOptions? Loss => LossChance > 0 || BurstStartChance > 0
        ? new FaultOptions { DropChance = LossChance, BurstStartChance = BurstStartChance, BurstEndChance = BurstEndChance, Seed = Seed }
        : null;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {Bytes} bytes, RTT {RoundTripTime.TotalMilliseconds} ms, {BitsPerSecond / 1e6} Mbit/s, queue {QueueBytes} bytes, " +
        $"loss {LossChance:P1}, bursts p={BurstStartChance} r={BurstEndChance}, reorder {ReorderChance:P1} by {ReorderDelay.TotalMilliseconds} ms, seed {Seed}");
}

/// <summary>What one scenario measured.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Failure">Why the transfer did not complete, or null when every byte arrived intact.</param>
/// <param name="Elapsed">Virtual time from the first byte offered to the last byte read.</param>
/// <param name="Sender">The sender's statistics at the end.</param>
/// <param name="RandomLosses">Frames the loss injector dropped, both directions.</param>
/// <param name="QueueDrops">Frames the bottleneck queues dropped, both directions.</param>
/// <param name="Steps">Instants the simulation stepped to, the handshake included: its cost.</param>
/// <param name="IdleSteps">Of those, steps of a microsecond because an interface asked to be polled at once and then did nothing.</param>
internal sealed record GoodputResult(GoodputScenario Scenario, string? Failure, TimeSpan Elapsed, TcpStatistics Sender, long RandomLosses, long QueueDrops, long Steps = 0, long IdleSteps = 0)
{
    /// <summary>Bytes delivered per second of virtual time, in Mbit/s; 0 for a failed transfer.</summary>
    public double GoodputMbps => Failure is null && Elapsed > TimeSpan.Zero ? Scenario.Bytes * 8.0 / Elapsed.TotalSeconds / 1e6 : 0;
}

/// <summary>A row of the goodput table: the runs of one scenario and their means.</summary>
/// <param name="Scenario">The scenario (its <see cref="GoodputScenario.Seed"/> unused: each run has its own).</param>
/// <param name="Results">One result per run, seeds 1 to <see cref="GoodputScenario.Runs"/>.</param>
internal sealed record GoodputRow(GoodputScenario Scenario, IReadOnlyList<GoodputResult> Results)
{
    /// <summary>The first failed run, or null.</summary>
    public GoodputResult? FirstFailure => Results.FirstOrDefault(r => r.Failure is not null);

    /// <summary>The mean of the runs' goodput, in Mbit/s (a failed run counts as 0).</summary>
    public double GoodputMbps => Results.Average(r => r.GoodputMbps);

    /// <summary>
    /// The standard error of <see cref="GoodputMbps"/>: the runs' sample standard deviation over the square
    /// root of their number; 0 for one run. How far the mean would move with other seeds.
    /// </summary>
    public double StandardErrorMbps
    {
        get
        {
            int n = Results.Count;
            if (n < 2)
            {
                return 0;
            }
            double mean = GoodputMbps;
            double variance = Results.Sum(r => (r.GoodputMbps - mean) * (r.GoodputMbps - mean)) / (n - 1);
            return Math.Sqrt(variance / n);
        }
    }

    /// <summary>The mean of a per-run figure.</summary>
    public double Mean(Func<GoodputResult, double> figure) => Results.Average(figure);
}

/// <summary>
/// Runs a <see cref="GoodputScenario"/>: connects A to B over a <see cref="SimulatedNetwork"/>, sends the
/// bytes, checks each one as it is read, and measures the goodput in virtual time.
/// </summary>
internal static class GoodputRunner
{
    /// <summary>
    /// Large enough that the window never limits a 100 Mbit/s path of 50 ms: the bandwidth-delay product is
    /// 625 kB, and with a queue of one more the congestion window tops out near 1.25 MB.
    /// </summary>
    public const int BufferSize = 2 * 1024 * 1024;

    private const ushort Port = 80;
    private static readonly TimeSpan s_connectLimit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_transferLimit = TimeSpan.FromMinutes(30);

    /// <summary>Runs the scenario once for each of its seeds (once when nothing on its path is random).</summary>
    public static GoodputRow RunAll(GoodputScenario scenario)
    {
        int runs = scenario.IsDeterministic ? 1 : scenario.Runs;
        return new GoodputRow(scenario, Enumerable.Range(1, runs).Select(seed => Run(scenario with { Seed = seed })).ToList());
    }

    /// <summary>Runs the scenario to the end with its seed; a failure is reported in the result, never thrown.</summary>
    public static GoodputResult Run(GoodputScenario scenario)
    {
        TcpSocketOptions options = new() { SendBufferSize = BufferSize, ReceiveBufferSize = BufferSize };
        using SimulatedNetwork net = new(scenario.Path(data: true), scenario.Path(data: false), scenario.Loss);
        TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket(options);
        listener.Listen(Port);
        TcpSocket client = net.A.Sockets.CreateTcpSocket(options);
        client.Connect(net.Now, new Ipv4Endpoint(SimulatedNetwork.AddressB, Port));
        RunOutcome connected = net.RunUntil(() => listener.CanAccept || client.State == TcpState.Closed, s_connectLimit);
        if (connected != RunOutcome.Done || !listener.TryAccept(out TcpSocket server))
        {
            return Result(net, scenario, $"no connection ({connected}): {client}", TimeSpan.Zero, client);
        }

        Transfer transfer = new(scenario, client, server);
        Instant start = net.Now;
        RunOutcome outcome = net.RunUntil(() => transfer.IsOver, s_transferLimit, () => transfer.Step(net.Now));
        string? failure = transfer.Failure
            ?? (outcome == RunOutcome.Done ? null : $"{outcome} after {transfer.Received} of {scenario.Bytes} bytes: sender {client}; receiver {server}");
        return Result(net, scenario, failure, (transfer.Finished ?? net.Now) - start, client);
    }

    private static GoodputResult Result(SimulatedNetwork net, GoodputScenario scenario, string? failure, TimeSpan elapsed, TcpSocket client) =>
        new(scenario, failure, elapsed, client.Statistics, net.Loss?.Counters.Dropped ?? 0, net.Link.AToB.QueueDropped + net.Link.BToA.QueueDropped, net.Steps, net.IdleSteps);

    /// <summary>The application at both ends: writes the data as fast as A takes it, reads and checks it at B.</summary>
    private sealed class Transfer(GoodputScenario scenario, TcpSocket sender, TcpSocket receiver)
    {
        private readonly byte[] _data = Data(scenario);
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _sent;

        public int Received { get; private set; }

        public Instant? Finished { get; private set; }

        public string? Failure { get; private set; }

        public bool IsOver => Finished is not null || Failure is not null;

        /// <summary>One turn of both applications at <paramref name="now"/>; true when it moved data.</summary>
        public bool Step(Instant now)
        {
            if (IsOver)
            {
                return false;
            }
            try
            {
                int sent = _sent < _data.Length ? sender.Send(_data.AsSpan(_sent)) : 0;
                _sent += sent;
                return sent > 0 | Read(now);
            }
            catch (SocketException e)
            {
                Failure = $"socket error {e.SocketErrorCode} after {Received} of {_data.Length} bytes: sender {sender}; receiver {receiver}";
                return false;
            }
        }

        private bool Read(Instant now)
        {
            bool moved = false;
            int n;
            while (Failure is null && (n = receiver.Receive(_buffer)) > 0)
            {
                moved = true;
                if (Received + n > _data.Length || !_buffer.AsSpan(0, n).SequenceEqual(_data.AsSpan(Received, n)))
                {
                    Failure = $"the bytes read at offset {Received} (length {n}) are not the bytes sent";
                }
                Received += n;
            }
            if (Received == _data.Length && Failure is null)
            {
                Finished = now;
            }
            return moved;
        }

        private static byte[] Data(GoodputScenario scenario)
        {
            byte[] data = new byte[scenario.Bytes];
            new Random(scenario.Seed).NextBytes(data);
            return data;
        }
    }
}
