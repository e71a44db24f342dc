namespace Usrnet.Tests.NetSim;

/// <summary>
/// One direction of a <see cref="SimulatedPath"/>: a bottleneck with a drop-tail queue, a propagation delay,
/// and reordering. The defaults are a path with no bottleneck and no delay.
/// </summary>
internal sealed record PathOptions
{
    /// <summary>Rate of the bottleneck in bits per second; 0 means none (frames leave as they come).</summary>
    public long BitsPerSecond { get; init; }

    /// <summary>
    /// Bytes the bottleneck holds that it has not yet sent, the frame being sent included; a frame that
    /// would exceed it is dropped (drop-tail, like a <c>bfifo</c> qdisc). Ignored without a bottleneck.
    /// </summary>
    public int QueueBytes { get; init; } = int.MaxValue;

    /// <summary>One-way propagation delay, added to every frame after the bottleneck.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>
    /// Chance that a frame is held <see cref="ReorderDelay"/> longer than the others, so that the frames
    /// behind it overtake it (netem's way of reordering).
    /// </summary>
    public double ReorderChance { get; init; }

    /// <summary>Extra delay of a reordered frame: at 100 Mbit/s, 1 ms lets about 8 full-size frames pass it.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Seed of the reordering draws.</summary>
    public int Seed { get; init; }

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(BitsPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReorderDelay, TimeSpan.Zero);
        if (!(ReorderChance >= 0 && ReorderChance <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ReorderChance), ReorderChance, "a chance must be between 0 and 1");
        }
    }
}
