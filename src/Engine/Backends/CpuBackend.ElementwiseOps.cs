using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The CPU side of the generated elementwise ops: one float/double dispatch for all of
/// them, running the loops <see cref="CpuLoops"/> compiled from <see cref="ElementwiseOps"/>.
/// A few float32 ops on the training hot path keep hand-written SIMD loops (relu, add, sub, mul
/// forward and backward);
/// ElementwiseSimdPinTests pins each one bitwise to its generated loop.</summary>
public sealed partial class CpuBackend
{
    public void ElementwiseForward(ElementwiseOp op, Tensor a, Tensor? b, Tensor y, int n, double p0 = 0, double p1 = 0, double p2 = 0)
    {
        RequireInputs(op, a, b);
        FloatDispatch.Run(a, new ElementwiseForwardKernel(op, a, b, y, n, p0, p1, p2, Simd: true), op.ForwardKernel);
    }

    public void ElementwiseBackward(ElementwiseOp op, Tensor? s0, Tensor? s1, Tensor dy, Tensor? g0, Tensor? g1, int n, double p0 = 0, double p1 = 0, double p2 = 0)
    {
        RequireBackward(op, s0, s1, g0, g1);
        FloatDispatch.Run(dy, new ElementwiseBackwardKernel(op, s0, s1, dy, g0, g1, n, p0, p1, p2, Simd: true), op.BackwardKernel);
    }

    /// <summary>The generated loop alone, without the SIMD stand-ins (the pin tests compare the two).</summary>
    internal static void GeneratedOnlyForward(ElementwiseOp op, Tensor a, Tensor? b, Tensor y, int n, double p0 = 0, double p1 = 0, double p2 = 0) =>
        FloatDispatch.Run(a, new ElementwiseForwardKernel(op, a, b, y, n, p0, p1, p2, Simd: false), op.ForwardKernel);

    internal static void GeneratedOnlyBackward(ElementwiseOp op, Tensor? s0, Tensor? s1, Tensor dy, Tensor? g0, Tensor? g1, int n) =>
        FloatDispatch.Run(dy, new ElementwiseBackwardKernel(op, s0, s1, dy, g0, g1, n, 0, 0, 0, Simd: false), op.BackwardKernel);

    /// <summary>A forward pass of a table op; with <paramref name="Simd"/> float32 relu/add/sub/mul take
    /// their hand-written SIMD loops, everything else the generated loop of the element type.</summary>
    private readonly record struct ElementwiseForwardKernel(ElementwiseOp Op, Tensor A, Tensor? B, Tensor Y, int N, double P0, double P1, double P2, bool Simd)
        : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float) && Simd && SimdForward(Op, A, B, Y, N)) return;
            GeneratedForward(Op.Loops<T>(), A, B, Y, N, P0, P1, P2);
        }
    }

    /// <summary>A backward pass of a table op, as <see cref="ElementwiseForwardKernel"/>.</summary>
    private readonly record struct ElementwiseBackwardKernel(ElementwiseOp Op, Tensor? S0, Tensor? S1, Tensor Dy, Tensor? G0, Tensor? G1, int N,
        double P0, double P1, double P2, bool Simd) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float) && Simd && SimdBackward(Op, S0, S1, Dy, G0, G1, N)) return;
            GeneratedBackward(Op.Loops<T>(), S0, S1, Dy, G0, G1, N, P0, P1, P2);
        }
    }

    private static void GeneratedForward<T>(CpuLoops.Compiled<T> loops, Tensor a, Tensor? b, Tensor y, int n, double p0, double p1, double p2)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        loops.Forward(ArrayOf<T>(a), a.Offset, ArrayOf<T>(b), b?.Offset ?? 0, ArrayOf<T>(y)!, y.Offset, n, p0, p1, p2);

    private static void GeneratedBackward<T>(CpuLoops.Compiled<T> loops, Tensor? s0, Tensor? s1, Tensor dy, Tensor? g0, Tensor? g1, int n, double p0, double p1, double p2)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        loops.Backward!(ArrayOf<T>(s0), s0?.Offset ?? 0, ArrayOf<T>(s1), s1?.Offset ?? 0, ArrayOf<T>(dy)!, dy.Offset,
            ArrayOf<T>(g0), g0?.Offset ?? 0, ArrayOf<T>(g1), g1?.Offset ?? 0, n, p0, p1, p2);

    /// <summary>The backing array of a CPU tensor (the generated loops index it from the tensor's offset).</summary>
    private static T[]? ArrayOf<T>(Tensor? t) where T : unmanaged => t is null ? null
        : t.Storage is CpuStorage { Array: T[] array } ? array
        : throw new ArgumentException($"CpuBackend: expected a {typeof(T).Name} tensor in host memory; received {t.DType.Name()} on {t.Device}.");

    private static void RequireInputs(ElementwiseOp op, Tensor a, Tensor? b)
    {
        if ((b is not null) != (op.Inputs.Count == 2))
            throw new ArgumentException($"{op.ForwardKernel} takes {op.Inputs.Count} input(s) ({string.Join(", ", op.Inputs)}); received {(b is null ? 1 : 2)}.");
        if (b is not null) CheckSameType(a, b, op.ForwardKernel);
    }

    private static void RequireBackward(ElementwiseOp op, Tensor? s0, Tensor? s1, Tensor? g0, Tensor? g1)
    {
        if (!op.HasBackward) throw new ArgumentException($"{op.Name} has no backward kernel (its gradient is passed on by axpy).");
        if ((s0 is not null) != (op.Saved.Count >= 1) || (s1 is not null) != (op.Saved.Count >= 2))
            throw new ArgumentException($"{op.BackwardKernel} reads {string.Join(", ", op.Saved)} besides dy.");
        if (!op.GradsOptional && g0 is null) throw new ArgumentException($"{op.BackwardKernel} needs its gradient buffer {op.Grads[0].Grad}.");
        if (op.Grads.Count < 2 && g1 is not null) throw new ArgumentException($"{op.BackwardKernel} has one gradient.");
    }

    /// <summary>Hand-written float32 SIMD loops for relu, add, sub and mul (Vector&lt;float&gt; lanes instead
    /// of one element per step, on the training hot path); false for every other op.</summary>
    private static bool SimdForward(ElementwiseOp op, Tensor a, Tensor? b, Tensor y, int n)
    {
        if (op == ElementwiseOps.Relu) SimdFloat.Relu(a.Span<float>()[..n], y.Span<float>()[..n]);
        else if (op == ElementwiseOps.Add) SimdFloat.Add(a.Span<float>()[..n], b!.Span<float>()[..n], y.Span<float>()[..n]);
        else if (op == ElementwiseOps.Sub) SimdFloat.Subtract(a.Span<float>()[..n], b!.Span<float>()[..n], y.Span<float>()[..n]);
        else if (op == ElementwiseOps.Mul) SimdFloat.Multiply(a.Span<float>()[..n], b!.Span<float>()[..n], y.Span<float>()[..n]);
        else return false;
        return true;
    }

    private static bool SimdBackward(ElementwiseOp op, Tensor? s0, Tensor? s1, Tensor dy, Tensor? g0, Tensor? g1, int n)
    {
        if (op == ElementwiseOps.Relu) SimdFloat.ReluBackward(s0!.Span<float>()[..n], dy.Span<float>()[..n], g0!.Span<float>()[..n]);
        else if (op == ElementwiseOps.Add || op == ElementwiseOps.Sub)
        {
            if (g0 is not null) SimdFloat.Axpy(1, dy.Span<float>()[..n], g0.Span<float>()[..n]);
            if (g1 is not null) SimdFloat.Axpy(op == ElementwiseOps.Add ? 1 : -1, dy.Span<float>()[..n], g1.Span<float>()[..n]);
        }
        else if (op == ElementwiseOps.Mul)
        {
            var g = dy.Span<float>()[..n];
            if (g0 is not null) SimdFloat.MultiplyAccumulate(g, s1!.Span<float>()[..n], g0.Span<float>()[..n]);
            if (g1 is not null) SimdFloat.MultiplyAccumulate(g, s0!.Span<float>()[..n], g1.Span<float>()[..n]);
        }
        else return false;
        return true;
    }
}
