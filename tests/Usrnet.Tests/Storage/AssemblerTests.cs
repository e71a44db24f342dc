using Usrnet.Storage;

namespace Usrnet.Tests.Storage;

public sealed class AssemblerTests
{
    private static (int Offset, int Length)[] Ranges(Assembler assembler)
    {
        var ranges = new List<(int, int)>();
        foreach ((int offset, int length) in assembler)
        {
            ranges.Add((offset, length));
        }
        return [.. ranges];
    }

    [Fact]
    public void AssemblerStartsEmpty()
    {
        var assembler = new Assembler();

        Assert.True(assembler.IsEmpty);
        Assert.Equal(0, assembler.RangeCount);
        Assert.Equal(Assembler.DefaultMaxRanges, assembler.MaxRanges);
        Assert.Equal(0, assembler.RemoveFront());
        Assert.Empty(Ranges(assembler));
    }

    [Fact]
    public void AssemblerKeepsSeparateRangesInOffsetOrder()
    {
        var assembler = new Assembler();

        Assert.True(assembler.Add(20, 5));
        Assert.True(assembler.Add(2, 3));
        Assert.True(assembler.Add(10, 4));

        Assert.Equal([(2, 3), (10, 4), (20, 5)], Ranges(assembler));
        Assert.Equal(3, assembler.RangeCount);
        Assert.Equal((10, 4), assembler[1]);
        Assert.Equal("[2, 5) [10, 14) [20, 25)", assembler.ToString());
    }

    [Fact]
    public void AssemblerMergesOverlappingRanges()
    {
        var assembler = new Assembler();
        assembler.Add(10, 10);

        Assert.True(assembler.Add(5, 10));
        Assert.True(assembler.Add(15, 10));

        Assert.Equal([(5, 20)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerMergesTouchingRanges()
    {
        var assembler = new Assembler();
        assembler.Add(10, 5);

        Assert.True(assembler.Add(15, 5));
        Assert.True(assembler.Add(5, 5));

        Assert.Equal([(5, 15)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerMergesEveryRangeABigRangeCovers()
    {
        var assembler = new Assembler();
        assembler.Add(2, 1);
        assembler.Add(5, 2);
        assembler.Add(9, 1);
        assembler.Add(12, 3);
        assembler.Add(30, 1);

        Assert.True(assembler.Add(3, 10));

        Assert.Equal([(2, 13), (30, 1)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerIgnoresARangeItAlreadyHolds()
    {
        var assembler = new Assembler();
        assembler.Add(10, 10);

        Assert.True(assembler.Add(12, 3));
        Assert.True(assembler.Add(10, 10));

        Assert.Equal([(10, 10)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerIgnoresAnEmptyRange()
    {
        var assembler = new Assembler(maxRanges: 1);
        assembler.Add(1, 1);

        Assert.True(assembler.Add(50, 0));

        Assert.Equal([(1, 1)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerRemoveFrontTakesARangeAtZeroAndShiftsTheRest()
    {
        var assembler = new Assembler();
        assembler.Add(8, 2);
        assembler.Add(0, 5);
        assembler.Add(20, 4);

        Assert.Equal(5, assembler.RemoveFront());

        Assert.Equal([(3, 2), (15, 4)], Ranges(assembler));
        Assert.Equal(0, assembler.RemoveFront());
        Assert.Equal([(3, 2), (15, 4)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerRefusesARangeBeyondItsBoundAndChangesNothing()
    {
        var assembler = new Assembler(maxRanges: 3);
        assembler.Add(10, 1);
        assembler.Add(20, 1);
        assembler.Add(30, 1);

        Assert.False(assembler.Add(40, 1));
        Assert.False(assembler.Add(0, 5));
        Assert.False(assembler.Add(15, 2));

        Assert.Equal([(10, 1), (20, 1), (30, 1)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerAtItsBoundStillTakesARangeThatMerges()
    {
        var assembler = new Assembler(maxRanges: 3);
        assembler.Add(10, 1);
        assembler.Add(20, 1);
        assembler.Add(30, 1);

        Assert.True(assembler.Add(11, 2));
        Assert.True(assembler.Add(13, 7));

        Assert.Equal([(10, 11), (30, 1)], Ranges(assembler));
        Assert.True(assembler.Add(0, 1));
        Assert.Equal(3, assembler.RangeCount);
    }

    [Fact]
    public void AssemblerAddThenRemoveFrontAtZeroSucceedsEvenWhenFull()
    {
        // In-order data must always be accepted, or a receiver full of holes would refuse the very
        // retransmission that fills the first one.
        var assembler = new Assembler(maxRanges: 2);
        assembler.Add(10, 5);
        assembler.Add(20, 5);

        Assert.True(assembler.AddThenRemoveFront(0, 4, out int front));
        Assert.Equal(4, front);
        Assert.Equal([(6, 5), (16, 5)], Ranges(assembler));

        Assert.True(assembler.AddThenRemoveFront(0, 6, out front));
        Assert.Equal(11, front);
        Assert.Equal([(5, 5)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerAddThenRemoveFrontJoinsEveryRangeItReaches()
    {
        var assembler = new Assembler();
        assembler.Add(3, 2);
        assembler.Add(6, 1);
        assembler.Add(9, 1);

        Assert.True(assembler.AddThenRemoveFront(0, 7, out int front));

        Assert.Equal(7, front);
        Assert.Equal([(2, 1)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerAddThenRemoveFrontBeyondZeroBehavesLikeAdd()
    {
        var assembler = new Assembler(maxRanges: 1);

        Assert.True(assembler.AddThenRemoveFront(5, 5, out int front));
        Assert.Equal(0, front);
        Assert.False(assembler.AddThenRemoveFront(20, 5, out front));
        Assert.Equal(0, front);
        Assert.Equal([(5, 5)], Ranges(assembler));
    }

    [Fact]
    public void AssemblerClearForgetsEveryRange()
    {
        var assembler = new Assembler();
        assembler.Add(1, 1);
        assembler.Add(5, 1);

        assembler.Clear();

        Assert.True(assembler.IsEmpty);
        Assert.Empty(Ranges(assembler));
    }

    [Fact]
    public void AssemblerRefusesBadArguments()
    {
        var assembler = new Assembler();

        Assert.Throws<ArgumentOutOfRangeException>(() => new Assembler(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => assembler.Add(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => assembler.Add(1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => assembler.Add(int.MaxValue, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => assembler.AddThenRemoveFront(0, -1, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => assembler[0]);
        Assert.True(assembler.Add(int.MaxValue - 1, 1));
    }

    [Fact]
    public void AssemblerAgreesWithAReferenceBitmapUnderRandomOperations()
    {
        var random = new Random(793);
        foreach (int maxRanges in new[] { 1, 2, 4, 32 })
        {
            const int window = 120;
            var assembler = new Assembler(maxRanges);
            bool[] bitmap = new bool[window * 4];
            for (int step = 0; step < 50_000; step++)
            {
                int offset = random.Next(4) == 0 ? 0 : random.Next(window);
                int length = random.Next(random.Next(2) == 0 ? 4 : 30);
                switch (random.Next(8))
                {
                    case 0:
                    {
                        int expected = LeadingRun(bitmap);
                        Assert.Equal(expected, assembler.RemoveFront());
                        Shift(bitmap, expected);
                        break;
                    }
                    case 1:
                    {
                        bool[] after = With(bitmap, offset, length);
                        bool fits = offset == 0 || Runs(after).Count <= maxRanges;
                        Assert.Equal(fits, assembler.AddThenRemoveFront(offset, length, out int front));
                        if (fits)
                        {
                            bitmap = after;
                            int expected = LeadingRun(bitmap);
                            Assert.Equal(expected, front);
                            Shift(bitmap, expected);
                        }
                        else
                        {
                            Assert.Equal(0, front);
                        }
                        break;
                    }
                    case 2 when random.Next(40) == 0:
                        assembler.Clear();
                        Array.Clear(bitmap);
                        break;
                    default:
                    {
                        bool[] after = With(bitmap, offset, length);
                        bool fits = Runs(after).Count <= maxRanges;
                        Assert.Equal(fits, assembler.Add(offset, length));
                        if (fits)
                        {
                            bitmap = after;
                        }
                        break;
                    }
                }
                Assert.Equal(Runs(bitmap), Ranges(assembler));
                Assert.Equal(assembler.RangeCount == 0, assembler.IsEmpty);
            }
        }
    }

    [Fact]
    public void AssemblerOperationsAllocateNothing()
    {
        var assembler = new Assembler();
        long total = 0;
        void Churn(int count)
        {
            for (int i = 0; i < count; i++)
            {
                for (int hole = 1; hole < 40; hole += 3)
                {
                    assembler.Add(hole * 4, 2);
                }
                int sum = 0;
                foreach ((int offset, int length) in assembler)
                {
                    sum += offset + length;
                }
                assembler.AddThenRemoveFront(0, 30, out _);
                assembler.Add(0, 3);
                sum += assembler.RemoveFront();
                assembler.Clear();
                total += sum;
            }
        }
        Churn(100);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Churn(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, total);
    }

    private static bool[] With(bool[] bitmap, int offset, int length)
    {
        bool[] copy = (bool[])bitmap.Clone();
        copy.AsSpan(offset, length).Fill(true);
        return copy;
    }

    private static int LeadingRun(bool[] bitmap)
    {
        int run = 0;
        while (run < bitmap.Length && bitmap[run])
        {
            run++;
        }
        return run;
    }

    private static void Shift(bool[] bitmap, int count)
    {
        Array.Copy(bitmap, count, bitmap, 0, bitmap.Length - count);
        Array.Clear(bitmap, bitmap.Length - count, count);
    }

    private static List<(int Offset, int Length)> Runs(bool[] bitmap)
    {
        var runs = new List<(int, int)>();
        for (int i = 0; i < bitmap.Length;)
        {
            if (!bitmap[i])
            {
                i++;
                continue;
            }
            int start = i;
            while (i < bitmap.Length && bitmap[i])
            {
                i++;
            }
            runs.Add((start, i - start));
        }
        return runs;
    }
}
