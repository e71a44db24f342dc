using Usrnet.Sockets.Tcp;

namespace Usrnet.Cli.Commands;

/// <summary>
/// The counting fields of <see cref="TcpStatistics"/> summed over the connections a command served, for
/// its exit summary (<c>usrnet: tcp statistics</c>, one counter per line as the interface's). The
/// per-connection gauges (smoothed RTT, RTO, windows, MSS) have no meaningful sum and are left out.
/// </summary>
/// <remarks>
/// A connection its command is done with may still be sending: in LAST-ACK or CLOSING its last data
/// and FIN can still be lost and retransmitted. Its counters are added once it is CLOSED or in
/// TIME-WAIT (everything it sent was acknowledged), or at the summary, whichever comes first; until
/// then only its reference is kept.
/// </remarks>
internal sealed class TcpTotals
{
    private readonly List<TcpSocket> _closing = [];
    private long _connections;
    private TcpStatistics _sum;

    /// <summary>Counts <paramref name="connection"/>, which its command is done with (disposed or not).</summary>
    public void Finished(TcpSocket connection)
    {
        if (IsOver(connection))
        {
            Add(connection.Statistics);
        }
        else
        {
            _closing.Add(connection);
        }
    }

    /// <summary>Adds the connections that finished closing since the last call.</summary>
    public void Sweep()
    {
        for (int i = _closing.Count - 1; i >= 0; i--)
        {
            if (IsOver(_closing[i]))
            {
                Add(_closing[i].Statistics);
                _closing.RemoveAt(i);
            }
        }
    }

    /// <summary>Prints the totals under <c>usrnet: tcp statistics</c>, connections still closing included.</summary>
    public void Print(TextWriter output)
    {
        foreach (TcpSocket c in _closing)
        {
            Add(c.Statistics);
        }
        _closing.Clear();
        UpCommand.PrintCounters("tcp", All(), output);
    }

    private static bool IsOver(TcpSocket c) => c.State is TcpState.Closed or TcpState.TimeWait;

    private void Add(TcpStatistics s)
    {
        _connections++;
        _sum = _sum with
        {
            SegmentsSent = _sum.SegmentsSent + s.SegmentsSent,
            SegmentsReceived = _sum.SegmentsReceived + s.SegmentsReceived,
            BytesAcknowledged = _sum.BytesAcknowledged + s.BytesAcknowledged,
            BytesReceived = _sum.BytesReceived + s.BytesReceived,
            Retransmissions = _sum.Retransmissions + s.Retransmissions,
            Timeouts = _sum.Timeouts + s.Timeouts,
            FastRetransmits = _sum.FastRetransmits + s.FastRetransmits,
            TailLossProbes = _sum.TailLossProbes + s.TailLossProbes,
            RackLossDetections = _sum.RackLossDetections + s.RackLossDetections,
            DuplicateSacksReceived = _sum.DuplicateSacksReceived + s.DuplicateSacksReceived,
            RecoveriesUndone = _sum.RecoveriesUndone + s.RecoveriesUndone,
            SegmentsRejected = _sum.SegmentsRejected + s.SegmentsRejected,
        };
    }

    private IEnumerable<KeyValuePair<string, long>> All()
    {
        yield return new("Connections", _connections);
        yield return new(nameof(TcpStatistics.SegmentsSent), _sum.SegmentsSent);
        yield return new(nameof(TcpStatistics.SegmentsReceived), _sum.SegmentsReceived);
        yield return new(nameof(TcpStatistics.BytesAcknowledged), _sum.BytesAcknowledged);
        yield return new(nameof(TcpStatistics.BytesReceived), _sum.BytesReceived);
        yield return new(nameof(TcpStatistics.Retransmissions), _sum.Retransmissions);
        yield return new(nameof(TcpStatistics.Timeouts), _sum.Timeouts);
        yield return new(nameof(TcpStatistics.FastRetransmits), _sum.FastRetransmits);
        yield return new(nameof(TcpStatistics.TailLossProbes), _sum.TailLossProbes);
        yield return new(nameof(TcpStatistics.RackLossDetections), _sum.RackLossDetections);
        yield return new(nameof(TcpStatistics.DuplicateSacksReceived), _sum.DuplicateSacksReceived);
        yield return new(nameof(TcpStatistics.RecoveriesUndone), _sum.RecoveriesUndone);
        yield return new(nameof(TcpStatistics.SegmentsRejected), _sum.SegmentsRejected);
    }
}
