namespace Usrnet.Phy;

/// <summary>What a <see cref="FaultInjectorDevice"/> has done, both directions together.</summary>
public readonly record struct FaultCounters
{
    /// <summary>Frames lost at random, or because too many frames were held.</summary>
    public long Dropped { get; init; }

    /// <summary>Frames with one bit flipped.</summary>
    public long Corrupted { get; init; }

    /// <summary>Frames delivered or sent twice.</summary>
    public long Duplicated { get; init; }

    /// <summary>Held frames that a later frame actually overtook.</summary>
    public long Reordered { get; init; }

    /// <summary>Received frames held back by <see cref="FaultOptions.Delay"/>.</summary>
    public long Delayed { get; init; }

    /// <summary>Frames dropped because they exceeded the rate limit.</summary>
    public long RateLimited { get; init; }
}
