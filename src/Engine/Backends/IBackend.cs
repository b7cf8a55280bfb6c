using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The kernel contract: one method per kernel, implemented by <see cref="CpuBackend"/>
/// (the reference) and by the CUDA backend (one launch per method). Buffers are whole tensors,
/// sizes are passed explicitly in the order the CUDA kernels take them. Backward methods
/// ACCUMULATE into their gradient outputs (+=); forward methods overwrite their outputs.
/// Float methods accept float32 and (on the CPU) float64. The contract is split by op family over
/// the IBackend.*.cs files.</summary>
public partial interface IBackend
{
    Device Device { get; }

    /// <summary>Uninitialized storage of <paramref name="length"/> elements.</summary>
    Storage Allocate(DType dtype, int length);

    /// <summary>y[i] = value for i &lt; n (any dtype).</summary>
    void Fill(Tensor y, double value, int n);

    /// <summary>y[i] = x[i] (same dtype).</summary>
    void Copy(Tensor x, Tensor y, int n);

    /// <summary>y[i] = (dtype of y) x[i]; float to int truncates toward zero.</summary>
    void Cast(Tensor x, Tensor y, int n);

    /// <summary>Waits until all queued work on this device is done (no-op on the CPU).</summary>
    void Synchronize();
}
