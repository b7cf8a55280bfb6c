namespace Engine.Cuda;

/// <summary>An instantiated CUDA graph (CUgraphExec) replayed on its queue's stream.</summary>
internal sealed class DriverGraph(DriverQueue queue, nint exec, int operations) : CudaGraph
{
    private nint _exec = exec;

    public override int OperationCount => operations;

    public override void Replay()
    {
        ObjectDisposedException.ThrowIf(_exec == 0, this);
        queue.LaunchGraph(_exec);
    }

    public override void Dispose()
    {
        var e = Interlocked.Exchange(ref _exec, 0);
        if (e != 0) queue.DestroyGraph(e);
    }
}
