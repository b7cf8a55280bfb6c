using Engine.Tensors;

namespace Engine.Cuda;

/// <summary>Everything <see cref="Engine.Backends.CudaBackend"/> asks of one GPU, in stream order:
/// raw memory, copies, fills, kernel launches and column-major SGEMM. <see cref="DriverQueue"/>
/// runs them through the driver and cuBLAS; tests substitute a queue that checks each launch
/// against the kernel signatures in the PTX without a GPU.</summary>
internal abstract class CudaQueue : IDisposable
{
    public abstract Device Device { get; }

    public abstract string DeviceName { get; }

    /// <summary>Streaming multiprocessors; grid sizes are a multiple of this.</summary>
    public abstract int MultiprocessorCount { get; }

    /// <summary>Allocates device memory; false when the device is out of memory.</summary>
    public abstract bool TryAllocate(long bytes, out ulong pointer);

    public abstract void FreeMemory(ulong pointer);

    /// <summary>Free and total device memory, as the driver reports them.</summary>
    public abstract (long Free, long Total) MemoryInfo();

    /// <summary>Host to device; returns once the source may be reused.</summary>
    public abstract unsafe void CopyToDevice(ulong destination, void* source, long bytes);

    /// <summary>Device to host; returns once the data is there (so it waits for queued work).</summary>
    public abstract unsafe void CopyToHost(void* destination, ulong source, long bytes);

    public abstract void CopyOnDevice(ulong destination, ulong source, long bytes);

    /// <summary>Sets <paramref name="count"/> 32-bit words to <paramref name="pattern"/>.</summary>
    public abstract void Fill32(ulong destination, uint pattern, long count);

    public abstract void Launch(string kernel, LaunchShape shape, ReadOnlySpan<KernelArg> args);

    /// <summary>cuBLAS's column-major C = alpha·op(A)·op(B) + beta·C (op(A) is m×k, op(B) k×n, C m×n).</summary>
    public abstract void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc, bool tf32);

    /// <summary>Waits for all queued work; reports asynchronous errors.</summary>
    public abstract void Synchronize();

    // ---- CUDA graphs -------------------------------------------------------------------------------
    // Between BeginCapture and EndCapture, copies on the device, fills, launches and GEMMs are recorded
    // instead of run. What cannot be recorded throws GraphCapture.Forbidden: CopyToHost, CopyToDevice
    // (its host buffer will not outlive the capture), Synchronize and FreeMemory (both wait for the GPU).
    // Allocating is allowed (the caching allocator puts the blocks in the graph's pool).

    /// <summary>True between <see cref="BeginCapture"/> and <see cref="EndCapture"/> / <see cref="AbortCapture"/>.</summary>
    public abstract bool IsCapturing { get; }

    /// <summary>Starts recording this queue's work on the calling thread.</summary>
    public abstract void BeginCapture();

    /// <summary>Stops recording and returns the recorded work, ready to replay. If this throws, the
    /// capture is over anyway and the queue runs work normally again.</summary>
    public abstract CudaGraph EndCapture();

    /// <summary>Ends a capture that failed part-way and drops what was recorded, so the queue runs
    /// work normally again. Never throws; does nothing when no capture is under way.</summary>
    public abstract void AbortCapture();

    public abstract void Dispose();
}
