using System.Numerics;
using System.Runtime.CompilerServices;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>A CPU kernel written once for every floating-point element type: a struct whose fields
/// are the call's arguments and whose <see cref="Run{T}"/> is the body (or calls the generic body).
/// <see cref="FloatDispatch.Run{TKernel}"/> picks T from a tensor's dtype.</summary>
internal interface IFloatKernel
{
    void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>The one float32/float64 switch of the CPU backend, instead of an
/// <c>if (float32) F&lt;float&gt;(…) else F&lt;double&gt;(…)</c> pair at every kernel. A struct
/// kernel costs no allocation, and the JIT compiles Run&lt;float&gt; and Run&lt;double&gt; separately,
/// so a <c>typeof(T) == typeof(float)</c> test inside Run picks a float-only fast path for free.</summary>
internal static class FloatDispatch
{
    /// <summary>Runs <c>kernel.Run&lt;float&gt;()</c> when <paramref name="t"/> is float32, <c>Run&lt;double&gt;()</c>
    /// when float64; any other dtype is an error that names the kernel (derived from the calling
    /// backend method, see <see cref="KernelNames"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TKernel>(Tensor t, in TKernel kernel, [CallerMemberName] string method = "")
        where TKernel : struct, IFloatKernel
    {
        switch (t.DType)
        {
            case DType.Float32: kernel.Run<float>(); break;
            case DType.Float64: kernel.Run<double>(); break;
            default: throw new ArgumentException($"{KernelNames.Of(method)} needs a float32 or float64 tensor, got {t.DType.Name()}.");
        }
    }
}
