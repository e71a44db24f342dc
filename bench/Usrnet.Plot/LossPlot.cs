using System.Globalization;
using ScottPlot;

namespace Usrnet.Plot;

/// <summary>
/// bench/loss.png: echo goodput (Mbit/s, log scale) against the gateway's loss rate, the stack and the
/// kernel from the same run of bench/loss.sh. Reads bench/loss.csv (one line per transfer, columns by
/// name: stack, loss_percent, completed, goodput_mbps; stack "usrnet" or "linux-CC", CC the kernel
/// server's congestion control); draws each stack's medians as a line and every transfer as a small
/// open marker, a filled square where the transfer did not complete within its deadline (its goodput
/// is then what was echoed by the deadline).
/// </summary>
internal static class LossPlot
{
    private const int Width = 1000;
    private const int Height = 600;

    private const string Stack = "usrnet";
    private const string KernelPrefix = "linux-";

    /// <summary>Draws the plot; args are CSV PNG [TITLE]. Returns the exit status.</summary>
    public static int Draw(string[] args)
    {
        if (args.Length is < 2 or > 3)
        {
            Console.Error.WriteLine("usage: Usrnet.Plot loss CSV PNG [TITLE]");
            return 2;
        }
        List<Transfer>? transfers = Read(args[0]);
        if (transfers is null || transfers.Count == 0)
        {
            Console.Error.WriteLine($"Usrnet.Plot: {args[0]}: no transfers (want columns stack, loss_percent, completed, goodput_mbps)");
            return 1;
        }
        // The rates are categories, evenly spaced: 0, 1, 2 would crowd on a linear axis next to 20.
        int[] rates = [.. transfers.Select(t => t.Rate).Distinct().Order()];
        Dictionary<int, int> slot = rates.Select((r, i) => (r, i)).ToDictionary(p => p.r, p => p.i);

        ScottPlot.Plot plot = new();
        // The stack first, then the kernel's series by name.
        string[] stacks = [.. transfers.Select(t => t.Stack).Distinct().OrderBy(s => s != Stack).ThenBy(s => s, StringComparer.Ordinal)];
        for (int i = 0; i < stacks.Length; i++)
        {
            Transfer[] mine = [.. transfers.Where(t => t.Stack == stacks[i])];
            Color color = Colors.Category10[i % Colors.Category10.Length];
            string label = stacks[i] == Stack ? "usrnet tcp-echo"
                : stacks[i].StartsWith(KernelPrefix, StringComparison.Ordinal) ? $"Linux, {stacks[i][KernelPrefix.Length..]}" : stacks[i];
            var medians = mine.GroupBy(t => t.Rate).OrderBy(g => g.Key).Select(g => (X: (double)slot[g.Key], Y: Median([.. g.Select(t => t.Mbps)]))).ToArray();
            ScottPlot.Plottables.Scatter line = plot.Add.Scatter(medians.Select(m => m.X).ToArray(), medians.Select(m => Math.Log10(m.Y)).ToArray(), color);
            line.LegendText = $"{label} (median)";
            line.LineWidth = 2;
            line.MarkerSize = 9;
            AddRuns(plot, mine.Where(t => t.Completed), slot, color, MarkerShape.OpenCircle);
            AddRuns(plot, mine.Where(t => !t.Completed), slot, color, MarkerShape.FilledSquare, $"{label}: not done by the deadline");
        }

        ScottPlot.TickGenerators.NumericManual x = new();
        foreach (int rate in rates)
        {
            x.AddMajor(slot[rate], rate.ToString(CultureInfo.InvariantCulture));
        }
        plot.Axes.Bottom.TickGenerator = x;
        plot.Axes.Left.TickGenerator = LogTicks(transfers.Min(t => t.Mbps), transfers.Max(t => t.Mbps));
        plot.XLabel("packets the gateway drops, % each way");
        plot.YLabel("goodput, Mbit/s of the echo (log scale)");
        plot.Title(args.Length == 3 ? args[2] : "TCP echo through a lossy gateway");
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(args[1], Width, Height);
        Console.WriteLine($"wrote {args[1]}");
        return 0;
    }

    private sealed record Transfer(string Stack, int Rate, bool Completed, double Mbps);

    /// <summary>The CSV's transfers with a positive goodput, or null when its header lacks a column.</summary>
    private static List<Transfer>? Read(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            return null;
        }
        string[] header = lines[0].Split(',');
        int stack = Array.IndexOf(header, "stack"), rate = Array.IndexOf(header, "loss_percent");
        int completed = Array.IndexOf(header, "completed"), mbps = Array.IndexOf(header, "goodput_mbps");
        if (new[] { stack, rate, completed, mbps }.Any(i => i < 0))
        {
            return null;
        }
        List<Transfer> transfers = [];
        foreach (string[] cells in lines.Skip(1).Select(l => l.Split(',')))
        {
            if (cells.Length == header.Length
                && int.TryParse(cells[rate], CultureInfo.InvariantCulture, out int r)
                && double.TryParse(cells[mbps], NumberStyles.Float, CultureInfo.InvariantCulture, out double m)
                && m > 0)
            {
                transfers.Add(new(cells[stack], r, cells[completed] == "1", m));
            }
        }
        return transfers;
    }

    /// <summary>Every transfer of one stack as a small marker of its own, no line.</summary>
    private static void AddRuns(ScottPlot.Plot plot, IEnumerable<Transfer> runs, Dictionary<int, int> slot, Color color, MarkerShape shape, string? legend = null)
    {
        Transfer[] these = [.. runs];
        if (these.Length == 0)
        {
            return;
        }
        ScottPlot.Plottables.Scatter markers = plot.Add.Scatter(these.Select(t => (double)slot[t.Rate]).ToArray(), these.Select(t => Math.Log10(t.Mbps)).ToArray(), color);
        markers.LineWidth = 0;
        markers.MarkerShape = shape;
        markers.MarkerSize = 6;
        markers.LegendText = legend ?? "";
    }

    /// <summary>Ticks for log10 values: a labelled major tick per decade, minor ones at 2-9 times it.</summary>
    private static ScottPlot.TickGenerators.NumericManual LogTicks(double min, double max)
    {
        ScottPlot.TickGenerators.NumericManual ticks = new();
        for (int decade = (int)Math.Floor(Math.Log10(min)); decade <= (int)Math.Ceiling(Math.Log10(max)); decade++)
        {
            double value = Math.Pow(10, decade);
            ticks.AddMajor(decade, value.ToString("0.###", CultureInfo.InvariantCulture));
            for (int k = 2; k < 10; k++)
            {
                ticks.AddMinor(Math.Log10(k * value));
            }
        }
        return ticks;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}
