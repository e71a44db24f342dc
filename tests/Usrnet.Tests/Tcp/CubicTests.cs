using Usrnet.Sockets.Tcp;
using Usrnet.Wire;
using Xunit.Abstractions;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// CUBIC (RFC 9438) driven through the socket: a bulk sender, a peer that acknowledges every segment
/// one round trip later (with SACK), and one loss.
/// </summary>
public class CubicTests(ITestOutputHelper output)
{
    private const int Mss = 1460;
    private const int RttMs = 100;

    private static readonly TcpSocketOptions s_cubic = new()
    {
        CongestionControl = CongestionControlAlgorithm.Cubic,
        SendBufferSize = 4 << 20,
        Timestamps = false,
        // RFC 6298 §2.4's one second: the loss costs two round trips of 100 ms before the first new ACK,
        // which the 200 ms default would meet exactly.
        MinRetransmissionTimeout = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// The peer: takes segments (all MSS-aligned, as this sender sends them), answers each with a
    /// cumulative ACK and SACK blocks for what it holds above it, most recent first (RFC 2018 §4).
    /// </summary>
    private sealed class Receiver(TcpHarness h)
    {
        private readonly SortedSet<int> _held = []; // segment indexes received above the cumulative ACK
        private int _next;                           // next in-order segment index
        private int _last;

        public Seg Take(SentSegment segment)
        {
            int index = (segment.Seq - h.Local(0)) / Mss;
            if (index >= _next)
            {
                _held.Add(index);
                _last = index;
            }
            while (_held.Remove(_next))
            {
                _next++;
            }
            List<TcpSackBlock> blocks = [];
            foreach ((int from, int to) in Runs())
            {
                TcpSackBlock block = new(h.Local(from * Mss), h.Local(to * Mss));
                if (from <= _last && _last < to)
                {
                    blocks.Insert(0, block);
                }
                else
                {
                    blocks.Add(block);
                }
            }
            return new Seg
            {
                Seq = h.Remote(0),
                Ack = h.Local(_next * Mss),
                Window = 65535,
                Options = new TcpOptions { SackBlocks = TcpSackBlocks.Create(blocks.Take(3).ToArray()) },
            };
        }

        private IEnumerable<(int From, int To)> Runs()
        {
            int from = -1, to = -1;
            foreach (int i in _held)
            {
                if (i != to)
                {
                    if (from >= 0)
                    {
                        yield return (from, to);
                    }
                    from = i;
                }
                to = i + 1;
            }
            if (from >= 0)
            {
                yield return (from, to);
            }
        }
    }

    /// <summary>
    /// Runs the transfer for <paramref name="rounds"/> round trips: each round the peer answers every
    /// segment of the last one, and the sender's answers make the next. The first segment of the first
    /// round carrying at least <paramref name="lossAtSegments"/> segments is lost, and again
    /// <paramref name="secondLossAfter"/> rounds later if given. Returns cwnd in segments at the end of
    /// each round, the rounds of the losses and cwnd when each loss was sent.
    /// </summary>
    private (List<double> Cwnd, List<int> LossRounds, List<double> WindowAtLoss) Run(TcpHarness h, int rounds, int lossAtSegments, int? secondLossAfter = null)
    {
        byte[] chunk = new byte[64 * 1024];
        Receiver peer = new(h);
        while (h.Socket.Send(chunk) > 0)
        {
        }
        List<SentSegment> flight = h.RecvAll();
        List<double> cwnd = [];
        List<int> lossRounds = [];
        List<double> windowAtLoss = [];
        for (int round = 0; round < rounds; round++)
        {
            h.AdvanceMs(RttMs);
            bool lose = lossRounds.Count == 0 ? flight.Count >= lossAtSegments
                : lossRounds.Count == 1 && secondLossAfter is int after && round == lossRounds[0] + after;
            if (lose)
            {
                lossRounds.Add(round);
                windowAtLoss.Add(h.Stats.CongestionWindow / (double)Mss);
            }
            List<SentSegment> next = [];
            for (int i = 0; i < flight.Count; i++)
            {
                if (lose && i == 0)
                {
                    continue;
                }
                h.SendNoReset(peer.Take(flight[i]));
                next.AddRange(h.RecvAll());
            }
            while (h.Socket.Send(chunk) > 0)
            {
            }
            next.AddRange(h.RecvAll());
            flight = next;
            cwnd.Add(h.Stats.CongestionWindow / (double)Mss);
        }
        output.WriteLine($"losses in rounds {string.Join(",", lossRounds)} at cwnd {string.Join(",", windowAtLoss)}; {h.Stats}");
        output.WriteLine(string.Join(" ", cwnd.Select(c => c.ToString("F1", System.Globalization.CultureInfo.InvariantCulture))));
        return (cwnd, lossRounds, windowAtLoss);
    }

    private static TcpHarness Connect() =>
        TcpHarness.Established(s_cubic, new TcpOptions { MaximumSegmentSize = 1460, SackPermitted = true, WindowScale = 7 }, rttMs: RttMs);

    /// <summary>RFC 9438 eq. 1: W_cubic(t) = C·(t − K)³ + W_max, with K from eq. 2.</summary>
    private static double Cubic(double t, double wMax, double cwndEpoch) =>
        0.4 * Math.Pow(t - Math.Cbrt((wMax - cwndEpoch) / 0.4), 3) + wMax;

    /// <summary>
    /// The window CUBIC should have t seconds into an epoch: W_cubic, or the Reno-friendly estimate when
    /// that is larger (RFC 9438 §4.3: W_est grows by α_cubic = 3(1 − β)/(1 + β) segments per RTT).
    /// </summary>
    private static double Expected(double t, double wMax, double cwndEpoch) =>
        Math.Max(Cubic(t, wMax, cwndEpoch), cwndEpoch + 3 * (1 - 0.7) / (1 + 0.7) * (t * 1000 / RttMs));

    /// <summary>Growth of cwnd over the ten rounds (one second) that start at <paramref name="round"/>.</summary>
    private static double GrowthOverASecond(List<double> cwnd, int round) => cwnd[round + 10] - cwnd[round];

    [Fact]
    public void AfterALossTheWindowFollowsTheCubicCurveConcaveThenConvex()
    {
        TcpHarness h = Connect();
        (List<double> cwnd, List<int> losses, List<double> windowAtLoss) = Run(h, rounds: 100, lossAtSegments: 150);
        int loss = losses.Single();
        double wMax = windowAtLoss.Single();
        Assert.Equal(1, h.Stats.FastRetransmits);
        Assert.Equal(0, h.Stats.Timeouts);

        // RFC 9438 §4.6: multiplicative decrease by β_cubic = 0.7.
        double reduced = h.Stats.SlowStartThreshold / (double)Mss;
        Assert.InRange(reduced, 0.7 * wMax, 0.7 * wMax + 2);
        Assert.Equal(reduced, cwnd[loss], 0.5);

        // The epoch starts with the first ACK after recovery, one round after the loss (§4.2); from then
        // cwnd tracks W_cubic(t) (here always above the Reno-friendly estimate) within a segment and a half.
        int epoch = loss + 1;
        for (int round = epoch + 1; round < cwnd.Count; round++)
        {
            double t = (round - epoch) * RttMs / 1000.0;
            Assert.True(Math.Abs(cwnd[round] - Expected(t, wMax, reduced)) <= 1.5,
                $"round {round}, t = {t:F1} s: cwnd {cwnd[round]:F1}, expected {Expected(t, wMax, reduced):F1}");
        }

        // Concave below W_max: each second adds less than the one before.
        double k = Math.Cbrt((wMax - reduced) / 0.4);
        int plateau = epoch + (int)Math.Round(k * 10);
        Assert.True(GrowthOverASecond(cwnd, epoch) > GrowthOverASecond(cwnd, epoch + 10));
        Assert.True(GrowthOverASecond(cwnd, epoch + 10) > GrowthOverASecond(cwnd, epoch + 20));
        Assert.True(GrowthOverASecond(cwnd, epoch + 20) > GrowthOverASecond(cwnd, epoch + 30));
        // A plateau at the old maximum around t = K...
        Assert.InRange(cwnd[plateau], wMax - 0.5, wMax + 0.5);
        Assert.True(GrowthOverASecond(cwnd, plateau - 5) < 0.5);
        // ...then convex: probing beyond it faster and faster.
        Assert.True(GrowthOverASecond(cwnd, plateau + 10) > GrowthOverASecond(cwnd, plateau));
        Assert.True(GrowthOverASecond(cwnd, plateau + 20) > GrowthOverASecond(cwnd, plateau + 10));
        Assert.True(cwnd[^1] > wMax + 10);
    }

    [Fact]
    public void ASecondLossBelowTheLastMaximumLowersItByFastConvergence()
    {
        // RFC 9438 §4.7: when cwnd < W_max at a loss, W_max = cwnd·(1 + β_cubic)/2.
        TcpHarness h = Connect();
        (List<double> cwnd, List<int> losses, List<double> windowAtLoss) = Run(h, rounds: 80, lossAtSegments: 150, secondLossAfter: 20);
        Assert.Equal(2, losses.Count);
        Assert.Equal(2, h.Stats.FastRetransmits);
        double second = windowAtLoss[1];
        Assert.True(second < windowAtLoss[0]);
        double wMax = second * (1 + 0.7) / 2;
        double reduced = h.Stats.SlowStartThreshold / (double)Mss;
        Assert.InRange(reduced, 0.7 * second, 0.7 * second + 2);
        // The plateau sits at the lowered W_max; the Reno-friendly estimate then overtakes it (§4.3).
        int epoch = losses[1] + 1;
        for (int round = epoch + 1; round < cwnd.Count; round++)
        {
            double t = (round - epoch) * RttMs / 1000.0;
            Assert.True(Math.Abs(cwnd[round] - Expected(t, wMax, reduced)) <= 1.5,
                $"round {round}, t = {t:F1} s: cwnd {cwnd[round]:F1}, expected {Expected(t, wMax, reduced):F1}");
        }
    }

    [Fact]
    public void NewRenoGrowsByOneSegmentPerRoundTripAfterALoss()
    {
        // RFC 5681 §3.1 congestion avoidance, for contrast: linear, one SMSS per RTT.
        TcpHarness h = TcpHarness.Established(s_cubic with { CongestionControl = CongestionControlAlgorithm.NewReno },
            new TcpOptions { MaximumSegmentSize = 1460, SackPermitted = true, WindowScale = 7 }, rttMs: RttMs);
        (List<double> cwnd, List<int> losses, _) = Run(h, rounds: 40, lossAtSegments: 150);
        int epoch = losses.Single() + 2;
        for (int round = epoch; round < cwnd.Count - 1; round++)
        {
            Assert.InRange(cwnd[round + 1] - cwnd[round], 0.9, 1.1);
        }
    }
}
