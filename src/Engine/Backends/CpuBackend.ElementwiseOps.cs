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
    /// of one element per step, on the training hot path; big tensors on both cores, see
    /// <see cref="RunSimd"/>); false for every other op.</summary>
    private static bool SimdForward(ElementwiseOp op, Tensor a, Tensor? b, Tensor y, int n)
    {
        if (op == ElementwiseOps.Relu) RunSimd(new SimdJob(SimdLoop.Relu, a, null, y, n));
        else if (op == ElementwiseOps.Add) RunSimd(new SimdJob(SimdLoop.Add, a, b, y, n));
        else if (op == ElementwiseOps.Sub) RunSimd(new SimdJob(SimdLoop.Subtract, a, b, y, n));
        else if (op == ElementwiseOps.Mul) RunSimd(new SimdJob(SimdLoop.Multiply, a, b, y, n));
        else return false;
        return true;
    }

    private static bool SimdBackward(ElementwiseOp op, Tensor? s0, Tensor? s1, Tensor dy, Tensor? g0, Tensor? g1, int n)
    {
        if (op == ElementwiseOps.Relu) RunSimd(new SimdJob(SimdLoop.ReluBackward, s0!, dy, g0!, n));
        else if (op == ElementwiseOps.Add || op == ElementwiseOps.Sub)
        {
            if (g0 is not null) RunSimd(new SimdJob(SimdLoop.Axpy, dy, null, g0, n, Alpha: 1));
            if (g1 is not null) RunSimd(new SimdJob(SimdLoop.Axpy, dy, null, g1, n, Alpha: op == ElementwiseOps.Add ? 1 : -1));
        }
        else if (op == ElementwiseOps.Mul)
        {
            if (g0 is not null) RunSimd(new SimdJob(SimdLoop.MultiplyAccumulate, dy, s1!, g0, n));
            if (g1 is not null) RunSimd(new SimdJob(SimdLoop.MultiplyAccumulate, dy, s0!, g1, n));
        }
        else return false;
        return true;
    }

    /// <summary>True when <see cref="WriteOnceBackward"/> serves op on dy: float32 ReLU and add on the CPU,
    /// whose backward can write a gradient buffer nobody has touched yet instead of adding to a zero fill.</summary>
    internal static bool HasWriteOnceBackward(ElementwiseOp op, Tensor dy) =>
        dy.Backend is CpuBackend && dy.DType == DType.Float32 && (op == ElementwiseOps.Relu || op == ElementwiseOps.Add);

    /// <summary>ReLU's or add's float32 backward where each gradient is either overwritten (its assign flag:
    /// the first writer, the buffer holds garbage) or added to: ReLU g0 (+)= s0 &gt; 0 ? dy : 0; add g0 (+)= dy,
    /// g1 (+)= dy. The same values as <see cref="SimdBackward"/> after a zero fill (up to the sign of a zero).
    /// g0 goes first, so a + a (g1 the same buffer as g0, not to overwrite again) sums to 2·dy.</summary>
    internal static void WriteOnceBackward(ElementwiseOp op, Tensor? s0, Tensor dy, Tensor? g0, bool assign0, Tensor? g1, bool assign1, int n)
    {
        if (op == ElementwiseOps.Relu)
        {
            if (g0 is not null) RunSimd(new SimdJob(assign0 ? SimdLoop.ReluMask : SimdLoop.ReluBackward, s0!, dy, g0, n));
            return;
        }
        if (op != ElementwiseOps.Add) throw new ArgumentException($"{op.Name} has no write-once backward; only relu and add do.");
        if (g0 is not null) RunSimd(assign0 ? new SimdJob(SimdLoop.Copy, dy, null, g0, n) : new SimdJob(SimdLoop.Axpy, dy, null, g0, n, Alpha: 1));
        if (g1 is not null) RunSimd(assign1 ? new SimdJob(SimdLoop.Copy, dy, null, g1, n) : new SimdJob(SimdLoop.Axpy, dy, null, g1, n, Alpha: 1));
    }
}
