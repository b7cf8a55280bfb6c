namespace Engine.Tests;

/// <summary>Tests that count the bytes a call allocates. CPU kernels in tests running beside them
/// take the shared parallel-loop objects (CpuParallel), which makes the next call here allocate a
/// new one; so these run alone, as the CUDA tests do.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocation";
}
