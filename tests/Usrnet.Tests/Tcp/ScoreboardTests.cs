using Usrnet.Sockets.Tcp;
using Usrnet.Wire;
using Sent = Usrnet.Sockets.Tcp.SentSegment;

namespace Usrnet.Tests.Tcp;

/// <summary>The sender's scoreboard (RFC 6675 §3): segments in sequence order and the byte counts SetPipe reads.</summary>
public class ScoreboardTests
{
    private static readonly TcpSeqNumber Start = new(1000);
    private static readonly Instant T0 = Instant.FromSeconds(1);

    private static Scoreboard TenSegmentsOf100()
    {
        Scoreboard board = new();
        for (int i = 0; i < 10; i++)
        {
            board.Append(Start + 100 * i, 100, fin: false, T0, 0);
        }
        return board;
    }

    [Fact]
    public void SegmentsAreContiguousAndFoundBySequenceNumber()
    {
        Scoreboard board = TenSegmentsOf100();
        Assert.Equal(10, board.Count);
        Assert.Equal(3, board.IndexOf(Start + 399));
        Assert.Equal(4, board.IndexOf(Start + 400));
        Assert.Equal(-1, board.IndexOf(Start + 1000));
        Assert.Equal(-1, board.IndexOf(Start - 1));
    }

    [Fact]
    public void FlagsKeepTheByteCountsOfSetPipe()
    {
        Scoreboard board = TenSegmentsOf100();
        Assert.True(board.MarkSacked(5));
        Assert.False(board.MarkSacked(5));
        Assert.True(board.MarkLost(0));
        Assert.False(board.MarkLost(0)); // already waits to be resent
        Assert.False(board.MarkLost(5)); // SACKed: it arrived
        board.MarkRetransmitted(0, T0 + TimeSpan.FromMilliseconds(5), 0);
        Assert.Equal((100, 100, 100), (board.SackedBytes, board.LostBytes, board.RetransmittedBytes));
        // The retransmission is lost too: lost stays counted once, the retransmission leaves the pipe.
        Assert.True(board.MarkLost(0));
        Assert.Equal((100, 0), (board.LostBytes, board.RetransmittedBytes));
        Assert.True(board[0].Has(SentSegmentFlags.EverRetransmitted));
        Assert.Equal(0, board.NextToRetransmit(0));
    }

    [Fact]
    public void RemovingAndTrimmingTheFrontUncountsWhatLeaves()
    {
        Scoreboard board = TenSegmentsOf100();
        board.MarkLost(0);
        board.MarkSacked(1);
        board.RemoveFirst();
        Assert.Equal((9, 0, 100), (board.Count, board.LostBytes, board.SackedBytes));
        board.TrimFirst(Start + 150);
        Assert.Equal((Start + 150, 50, 50), (board.First.Start, board.First.Length, board.SackedBytes));
    }

    [Fact]
    public void ASplitKeepsFlagsAndSendTimeAndTheFinGoesWithTheSecondHalf()
    {
        Scoreboard board = new();
        board.Append(Start, 301, fin: true, T0, 7);
        board.MarkLost(0);
        board.SplitAt(0, Start + 100);
        Assert.Equal(2, board.Count);
        Sent first = board[0];
        Sent second = board[1];
        Assert.Equal((Start, 100, false), (first.Start, first.Length, first.Has(SentSegmentFlags.Fin)));
        Assert.Equal((Start + 100, 201, true, 200), (second.Start, second.Length, second.Has(SentSegmentFlags.Fin), second.DataLength));
        Assert.True(first.Has(SentSegmentFlags.Lost) && second.Has(SentSegmentFlags.Lost));
        Assert.Equal((T0, T0), (first.SentAt, second.SentAt));
        Assert.Equal(301, board.LostBytes);
    }

    [Fact]
    public void ForgettingSacksAfterRepeatedTimeoutsMarksThoseSegmentsLost()
    {
        Scoreboard board = TenSegmentsOf100();
        board.MarkSacked(3);
        board.MarkSacked(4);
        board.ForgetSacks(markLost: true);
        Assert.Equal((0, 200), (board.SackedBytes, board.LostBytes));
        Assert.Equal(3, board.NextToRetransmit(0));
    }

    [Fact]
    public void ManyAppendsAndRemovalsKeepTheOrderWithoutGrowingBeyondWhatIsHeld()
    {
        Scoreboard board = new();
        TcpSeqNumber next = Start;
        for (int i = 0; i < 10_000; i++)
        {
            board.Append(next, 10, fin: false, T0, 0);
            next += 10;
            if (board.Count > 5)
            {
                board.RemoveFirst();
            }
        }
        Assert.Equal(5, board.Count);
        Assert.Equal(next - 50, board.First.Start);
        Assert.Equal(next, board.Last.End);
    }
}
