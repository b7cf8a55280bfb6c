namespace Engine.Cuda;

/// <summary>Work recorded by <see cref="CudaQueue.BeginCapture"/> … <see cref="CudaQueue.EndCapture"/>:
/// every launch, copy and fill of that stretch, with its arguments and device addresses frozen, to be
/// run again as one unit. On a GPU it is an instantiated CUDA graph (one cuGraphLaunch instead of
/// dozens of kernel launches); the test queues keep the list of operations and re-run it.</summary>
internal abstract class CudaGraph : IDisposable
{
    /// <summary>Queues the whole recorded work on the queue's stream, in order after what is already
    /// queued (it does not wait for the GPU).</summary>
    public abstract void Replay();

    /// <summary>Operations captured (kernel launches, GEMMs, copies, fills), for logs and tests.</summary>
    public abstract int OperationCount { get; }

    public abstract void Dispose();
}
