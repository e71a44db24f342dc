namespace Usrnet.Tests;

/// <summary>
/// Test classes that measure allocation with <see cref="GC.GetAllocatedBytesForCurrentThread"/> while
/// using pooled packet buffers run alone, after the parallel ones: the pools are process-wide, and a
/// parallel test draining them would make this thread allocate.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasuringCollection
{
    /// <summary>The collection's name, for <c>[Collection]</c>.</summary>
    public const string Name = "Allocation-measuring tests";
}
