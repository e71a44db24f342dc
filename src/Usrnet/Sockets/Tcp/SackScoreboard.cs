namespace Usrnet.Sockets.Tcp;

/// <summary>
/// The sender's record of what the peer has selectively acknowledged (RFC 6675 §3 "scoreboard"): byte
/// ranges above SND.UNA, as offsets from it, sorted and merged, in a fixed array.
/// </summary>
/// <remarks>
/// When more ranges arrive than fit, the highest range is dropped: recovery then only treats those bytes
/// as not yet SACKed and may retransmit them, which is safe. No allocation after construction.
/// </remarks>
internal sealed class SackScoreboard
{
    private readonly int[] _starts;
    private readonly int[] _ends;
    private int _count;

    public SackScoreboard(int maxRanges = 32)
    {
        _starts = new int[maxRanges];
        _ends = new int[maxRanges];
    }

    /// <summary>Number of disjoint SACKed ranges.</summary>
    public int RangeCount => _count;

    /// <summary>True when nothing above SND.UNA is SACKed.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>Total SACKed bytes.</summary>
    public int SackedBytes
    {
        get
        {
            int total = 0;
            for (int i = 0; i < _count; i++)
            {
                total += _ends[i] - _starts[i];
            }
            return total;
        }
    }

    /// <summary>The end of the highest SACKed range (0 when none).</summary>
    public int HighestSacked => _count == 0 ? 0 : _ends[_count - 1];

    /// <summary>Marks [start, end) as SACKed.</summary>
    public void Add(int start, int end)
    {
        if (end <= start || start < 0)
        {
            return;
        }
        // Find the first range that ends at or after start, merge every range that touches [start, end).
        int i = 0;
        while (i < _count && _ends[i] < start)
        {
            i++;
        }
        int j = i;
        while (j < _count && _starts[j] <= end)
        {
            start = Math.Min(start, _starts[j]);
            end = Math.Max(end, _ends[j]);
            j++;
        }
        int removed = j - i;
        if (removed == 0)
        {
            if (_count == _starts.Length)
            {
                if (i == _count)
                {
                    return; // above everything and no room: forget it
                }
                _count--; // drop the highest range to make room
            }
            Array.Copy(_starts, i, _starts, i + 1, _count - i);
            Array.Copy(_ends, i, _ends, i + 1, _count - i);
            _count++;
        }
        else if (removed > 1)
        {
            Array.Copy(_starts, j, _starts, i + 1, _count - j);
            Array.Copy(_ends, j, _ends, i + 1, _count - j);
            _count -= removed - 1;
        }
        _starts[i] = start;
        _ends[i] = end;
    }

    /// <summary>SND.UNA moved forward by <paramref name="bytes"/>: forget what is now cumulatively acknowledged and rebase.</summary>
    public void Advance(int bytes)
    {
        int write = 0;
        for (int read = 0; read < _count; read++)
        {
            int s = _starts[read] - bytes;
            int e = _ends[read] - bytes;
            if (e <= 0)
            {
                continue;
            }
            _starts[write] = Math.Max(0, s);
            _ends[write] = e;
            write++;
        }
        _count = write;
    }

    /// <summary>Forgets everything.</summary>
    public void Clear() => _count = 0;

    /// <summary>If <paramref name="offset"/> lies in a SACKed range, the end of that range; else -1.</summary>
    public int SackedRangeEnd(int offset)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_starts[i] <= offset && offset < _ends[i])
            {
                return _ends[i];
            }
            if (_starts[i] > offset)
            {
                break;
            }
        }
        return -1;
    }

    /// <summary>The start of the first SACKed range above <paramref name="offset"/> (or <paramref name="limit"/>).</summary>
    public int NextSackedStart(int offset, int limit)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_starts[i] > offset)
            {
                return Math.Min(_starts[i], limit);
            }
        }
        return limit;
    }

    /// <summary>SACKed bytes at offsets at or above <paramref name="offset"/>.</summary>
    public int SackedAbove(int offset)
    {
        int total = 0;
        for (int i = _count - 1; i >= 0 && _ends[i] > offset; i--)
        {
            total += _ends[i] - Math.Max(_starts[i], offset);
        }
        return total;
    }

    /// <summary>SACKed bytes below <paramref name="offset"/>.</summary>
    public int SackedBelow(int offset)
    {
        int total = 0;
        for (int i = 0; i < _count && _starts[i] < offset; i++)
        {
            total += Math.Min(_ends[i], offset) - _starts[i];
        }
        return total;
    }

    /// <summary>
    /// RFC 6675 §4 IsLost, as a boundary: bytes below the returned offset that are not SACKed are
    /// deemed lost, because more than (DupThresh − 1) × SMSS bytes above them were SACKed.
    /// </summary>
    public int LossBoundary(int smss, int dupThresh = 3)
    {
        int threshold = (dupThresh - 1) * smss;
        int above = 0;
        // Walk down from the highest range; the boundary is where the SACKed bytes above exceed the threshold.
        for (int i = _count - 1; i >= 0; i--)
        {
            int length = _ends[i] - _starts[i];
            if (above + length > threshold)
            {
                // Inside this range: the byte at offset b has (above + (_ends[i] - b)) SACKed above it...
                // any unSACKed byte below _starts[i] has above + length > threshold bytes above it.
                return _starts[i];
            }
            above += length;
        }
        return 0;
    }
}
