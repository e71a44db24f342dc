using System.Globalization;
using ScottPlot;

// Usage: Usrnet.Plot CSV PNG [TITLE]          throughput against segment size (bench/run.sh)
//        Usrnet.Plot loss CSV PNG [TITLE]     goodput against loss rate (bench/loss.sh; LossPlot.cs)
// CSV: a header line, then "series,segment_bytes,gbps" lines (bench/run.sh writes medians). Each series
// is drawn as a line through its points in order of segment size, on a log2 axis of segment sizes.
if (args is ["loss", ..])
{
    return Usrnet.Plot.LossPlot.Draw(args[1..]);
}
if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: Usrnet.Plot CSV PNG [TITLE] | Usrnet.Plot loss CSV PNG [TITLE]");
    return 2;
}

const int Width = 1000;
const int Height = 600;

List<(string Series, double Segment, double Gbps)> rows = [];
foreach (string line in File.ReadLines(args[0]).Skip(1))
{
    string[] cells = line.Split(',');
    if (cells.Length != 3
        || !double.TryParse(cells[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double segment)
        || !double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double gbps)
        || segment <= 0)
    {
        Console.Error.WriteLine($"Usrnet.Plot: {args[0]}: not 'series,segment_bytes,gbps': {line}");
        return 1;
    }
    rows.Add((cells[0], segment, gbps));
}

Plot plot = new();
foreach (IGrouping<string, (string Series, double Segment, double Gbps)> series in rows.GroupBy(r => r.Series))
{
    (string Series, double Segment, double Gbps)[] points = [.. series.OrderBy(r => r.Segment)];
    ScottPlot.Plottables.Scatter scatter = plot.Add.Scatter(points.Select(p => Math.Log2(p.Segment)).ToArray(), points.Select(p => p.Gbps).ToArray());
    scatter.LegendText = series.Key;
    scatter.MarkerSize = 8;
    scatter.LineWidth = points.Length > 1 ? 2 : 0;
}

// A log2 axis labelled with the segment sizes measured.
ScottPlot.TickGenerators.NumericManual ticks = new();
foreach (double segment in rows.Select(r => r.Segment).Distinct().Order())
{
    ticks.AddMajor(Math.Log2(segment), segment.ToString("0", CultureInfo.InvariantCulture));
}
plot.Axes.Bottom.TickGenerator = ticks;
plot.Axes.Left.Min = 0;
plot.XLabel("largest IP packet of one TCP segment (bytes, log scale)");
plot.YLabel("Gbps (median)");
plot.Title(args.Length == 3 ? args[2] : "TCP throughput against segment size");
plot.ShowLegend(Alignment.UpperLeft);
plot.Axes.SetLimitsY(0, rows.Max(r => r.Gbps) * 1.15);
plot.SavePng(args[1], Width, Height);
Console.WriteLine($"wrote {args[1]}");
return 0;
