namespace Usrnet.Cli;

/// <summary>The fault injector's options: each chance is a probability per frame, 0 to 1.</summary>
/// <param name="DropChance">Chance that a frame is dropped.</param>
/// <param name="CorruptChance">Chance that a frame has a byte corrupted.</param>
/// <param name="ReorderChance">Chance that a frame is held back and sent after the next one.</param>
/// <param name="DuplicateChance">Chance that a frame is sent twice.</param>
/// <param name="Seed">Seed of the injector's random generator; null to pick one.</param>
public sealed record FaultSettings(double DropChance, double CorruptChance, double ReorderChance, double DuplicateChance, int? Seed)
{
    /// <summary>No faults.</summary>
    public static FaultSettings None { get; } = new(0, 0, 0, 0, null);

    /// <summary>True when any fault has a chance above zero, i.e. the device needs the fault decorator.</summary>
    public bool IsEnabled => DropChance > 0 || CorruptChance > 0 || ReorderChance > 0 || DuplicateChance > 0;
}
