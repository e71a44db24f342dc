namespace Usrnet.Phy;

/// <summary>
/// What a <see cref="FaultInjectorDevice"/> does to frames. The defaults change nothing.
/// </summary>
/// <remarks>
/// Chances are probabilities per frame in [0, 1]. Drop, burst loss, corrupt, duplicate and the rate limit apply to both
/// directions; delay and reorder apply to received frames. Invalid values throw
/// <see cref="ArgumentOutOfRangeException"/> where they are set.
/// </remarks>
public sealed record FaultOptions
{
    /// <summary>Bucket size of the rate limiter when none is given: 64 KiB, about 43 full-size frames.</summary>
    public const int DefaultRateLimitBurstBytes = 64 * 1024;

    /// <summary>Frames held for delay or reorder when no limit is given.</summary>
    public const int DefaultMaxHeldFrames = 1024;

    /// <summary>Chance that a frame is silently lost.</summary>
    public double DropChance { get; init => field = CheckChance(value, nameof(DropChance)); }

    /// <summary>
    /// Chance per frame that the path turns from good to bad: the <i>p</i> of the Gilbert–Elliott model of
    /// burst loss (netem's <c>loss gemodel p r 1-h 1-k</c>). 0, the default, turns burst loss off. A good path
    /// loses frames with <see cref="DropChance"/>, a bad one with <see cref="BurstDropChance"/>; each direction
    /// has its own state.
    /// </summary>
    /// <remarks>
    /// Real paths lose frames in runs (a full queue, a fading radio), and a run of losses is what fast
    /// recovery finds hardest: several holes in one window, or the whole window and the retransmission timer.
    /// </remarks>
    public double BurstStartChance { get; init => field = CheckChance(value, nameof(BurstStartChance)); }

    /// <summary>
    /// Chance per frame that a bad path turns good again (the <i>r</i> of Gilbert–Elliott): a burst lasts
    /// 1 / <see cref="BurstEndChance"/> frames on average. Default 1, bursts of one frame.
    /// </summary>
    public double BurstEndChance { get; init => field = CheckChance(value, nameof(BurstEndChance)); } = 1.0;

    /// <summary>
    /// Chance that a frame is lost while the path is bad (1 − <i>h</i> of Gilbert–Elliott). Default 1: every
    /// frame of a burst is lost (Gilbert's model).
    /// </summary>
    public double BurstDropChance { get; init => field = CheckChance(value, nameof(BurstDropChance)); } = 1.0;

    /// <summary>Chance that one bit of a frame is flipped.</summary>
    public double CorruptChance { get; init => field = CheckChance(value, nameof(CorruptChance)); }

    /// <summary>Chance that a frame is delivered twice.</summary>
    public double DuplicateChance { get; init => field = CheckChance(value, nameof(DuplicateChance)); }

    /// <summary>Chance that a received frame is held back and delivered after the next one.</summary>
    public double ReorderChance { get; init => field = CheckChance(value, nameof(ReorderChance)); }

    /// <summary>
    /// How long a frame held for reordering waits for a next frame to overtake it before it is delivered
    /// anyway. Default 10 ms.
    /// </summary>
    public TimeSpan ReorderTimeout
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromMilliseconds(10);

    /// <summary>Latency added to every received frame. Default none.</summary>
    public TimeSpan Delay
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    }

    /// <summary>
    /// Bytes per second each direction carries (a token bucket, like Linux <c>tbf</c>); frames over the rate
    /// are dropped. 0, the default, means no limit.
    /// </summary>
    public long RateLimitBytesPerSecond
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    }

    /// <summary>
    /// Size of each direction's token bucket: the largest burst sent at once after a quiet period. A frame
    /// longer than the bucket never passes. Default <see cref="DefaultRateLimitBurstBytes"/>.
    /// </summary>
    public int RateLimitBurstBytes
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = DefaultRateLimitBurstBytes;

    /// <summary>
    /// Most received frames held at once for delay, duplication or reordering; a frame that would exceed it
    /// is dropped (and counted as dropped), like a full netem queue. Default <see cref="DefaultMaxHeldFrames"/>.
    /// </summary>
    public int MaxHeldFrames
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = DefaultMaxHeldFrames;

    /// <summary>Seed of the random generator: the same seed and the same calls give the same faults.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// True when some fault acts on each frame (loss, burst loss, corruption, duplication, reordering or a
    /// rate limit); a delay alone changes no frame.
    /// </summary>
    public bool ActsOnFrames => DropChance > 0 || BurstStartChance > 0 || CorruptChance > 0 || DuplicateChance > 0 || ReorderChance > 0 || RateLimitBytesPerSecond > 0;

    private static double CheckChance(double value, string name)
    {
        if (!(value >= 0.0 && value <= 1.0))
        {
            throw new ArgumentOutOfRangeException(name, value, "a chance must be between 0 and 1");
        }
        return value;
    }
}
