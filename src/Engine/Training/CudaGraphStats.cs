namespace Engine.Training;

/// <summary>Counters of a model's captured training steps, for tests and benchmarks: graphs held,
/// captures made, replays, eager steps (warm-ups and overflow), why graphs are off, graph pool bytes.</summary>
internal sealed record CudaGraphStats(int Graphs, int Captures, int Replays, int EagerSteps, string? OffReason, long PoolBytes)
{
    public static readonly CudaGraphStats None = new(0, 0, 0, 0, null, 0);
}
