using System.Runtime.CompilerServices;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The float32 SIMD loops of the training hot path (ReLU, add, sub, mul and their backward,
/// axpy, affine) on both cores: a big tensor is cut into fixed chunks of <see cref="SimdChunk"/>
/// elements that the CpuParallel threads share. Every element is computed by the same expression
/// whatever chunk or thread it falls in, so the result is bitwise the one-thread loop's.</summary>
public sealed partial class CpuBackend
{
    /// <summary>Elements per chunk (128 KB of floats); a loop of fewer than two chunks stays on the caller.</summary>
    internal const int SimdChunk = 1 << 15;

    /// <summary>Which SimdFloat loop a <see cref="SimdJob"/> runs.</summary>
    internal enum SimdLoop
    {
        /// <summary>y = relu(a)</summary>
        Relu,
        /// <summary>y += a &gt; 0 ? b : 0 (a the forward input, b = dy)</summary>
        ReluBackward,
        /// <summary>y = a &gt; 0 ? b : 0 (ReLU's backward as the gradient's first writer)</summary>
        ReluMask,
        /// <summary>y = a + b</summary>
        Add,
        /// <summary>y = a − b</summary>
        Subtract,
        /// <summary>y = a · b</summary>
        Multiply,
        /// <summary>y += a · b</summary>
        MultiplyAccumulate,
        /// <summary>y += alpha · a</summary>
        Axpy,
        /// <summary>y = a (a gradient handed on unchanged, as its first writer)</summary>
        Copy,
        /// <summary>y = a · alpha + beta</summary>
        Affine,
    }

    /// <summary>One float32 loop over n elements of a, b (where it reads them) and y.</summary>
    internal readonly record struct SimdJob(SimdLoop Loop, Tensor A, Tensor? B, Tensor Y, int N, float Alpha = 0, float Beta = 0)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a few calls per step: never tiered up in a short run
        public void RunChunk(int start, int length)
        {
            var a = A.Span<float>().Slice(start, length);
            var y = Y.Span<float>().Slice(start, length);
            switch (Loop)
            {
                case SimdLoop.Relu: SimdFloat.Relu(a, y); break;
                case SimdLoop.ReluBackward: SimdFloat.ReluBackward(a, B!.Span<float>().Slice(start, length), y); break;
                case SimdLoop.ReluMask: SimdFloat.Mask(a, B!.Span<float>().Slice(start, length), y); break;
                case SimdLoop.Add: SimdFloat.Add(a, B!.Span<float>().Slice(start, length), y); break;
                case SimdLoop.Subtract: SimdFloat.Subtract(a, B!.Span<float>().Slice(start, length), y); break;
                case SimdLoop.Multiply: SimdFloat.Multiply(a, B!.Span<float>().Slice(start, length), y); break;
                case SimdLoop.MultiplyAccumulate: SimdFloat.MultiplyAccumulate(a, B!.Span<float>().Slice(start, length), y); break;
                case SimdLoop.Axpy: SimdFloat.Axpy(Alpha, a, y); break;
                case SimdLoop.Copy: a.CopyTo(y); break;
                case SimdLoop.Affine: SimdFloat.Affine(a, Alpha, Beta, y); break;
                default: throw new ArgumentOutOfRangeException(nameof(Loop), Loop, "unknown SIMD loop");
            }
        }
    }

    /// <summary>Runs <paramref name="job"/> over its n elements, in chunks on every CpuParallel thread when
    /// there are at least two chunks.</summary>
    internal static void RunSimd(SimdJob job)
    {
        var chunks = (job.N + SimdChunk - 1) / SimdChunk;
        if (chunks < 2)
        {
            job.RunChunk(0, job.N);
            return;
        }
        CpuParallel.ForEachPlane(chunks, SimdChunk, job, static (j, chunk) =>
        {
            var start = chunk * SimdChunk;
            j.RunChunk(start, Math.Min(SimdChunk, j.N - start));
        });
    }
}
