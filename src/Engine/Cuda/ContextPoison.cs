using Engine.Tensors;

namespace Engine.Cuda;

/// <summary>Remembers the first sticky error of a CUDA context (a driver fault such as an illegal
/// address, or a failed cuBLAS kernel) and refuses every later operation with an exception that
/// says so, instead of letting calls hang or return garbage from a broken context.</summary>
internal sealed class ContextPoison
{
    private CudaException? _first;

    public CudaException? Error => Volatile.Read(ref _first);

    /// <summary>Keeps <paramref name="error"/> when it poisons the context and none did before.</summary>
    public void Note(CudaException error)
    {
        if (error.PoisonsContext) Interlocked.CompareExchange(ref _first, error, null);
    }

    public void ThrowIfPoisoned(Device device)
    {
        if (Error is not { } p) return;
        throw new CudaException(
            $"The CUDA context of {device} was poisoned by an earlier sticky error ({p.StatusName}" +
            (p.Kernel is null ? "" : $", kernel '{p.Kernel}'") + "); it refuses further work. Restart the process. " +
            $"The original error: {p.Message}", p);
    }
}
