namespace Engine.Tests.Cuda;

/// <summary>Tests that run work on a GPU backend share it (one stream, one allocator, whose
/// statistics some of them measure), so they run one at a time, apart from the parallel CPU tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CudaCollection
{
    public const string Name = "cuda";
}
