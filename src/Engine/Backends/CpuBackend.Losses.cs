using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    // ---- softmax + cross-entropy on logits -----------------------------------------------------

    public void SoftmaxCrossEntropyForward(Tensor logits, Tensor target, Tensor probs, Tensor loss, int rows, int cols)
    {
        FloatDispatch.Run(logits, new SoftmaxCrossEntropyForwardKernel(logits, target, probs, loss, rows, cols));
    }

    private readonly record struct SoftmaxCrossEntropyForwardKernel(Tensor Logits, Tensor Target, Tensor Probs, Tensor Loss, int Rows, int Cols) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => SoftmaxCe<T>(Logits, Target, Probs, Loss, Rows, Cols);
    }

    private static void SoftmaxCe<T>(Tensor logitsT, Tensor targetT, Tensor probsT, Tensor lossT, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = logitsT.Span<T>();
        var t = targetT.Span<T>();
        var p = probsT.Span<T>();
        var loss = lossT.Span<T>();
        Softmax<T>(x, p, rows, cols, log: false);
        for (var r = 0; r < rows; r++)
        {
            var o = r * cols;
            var (max, logSum) = MaxAndLogSumExp<T>(x.Slice(o, cols));
            // log_softmax = x - max - log Σ exp(x - max): finite for any finite logits.
            var sum = T.Zero;
            for (var j = 0; j < cols; j++) sum += t[o + j] * (x[o + j] - max - logSum);
            loss[r] = -sum;
        }
    }

    public void SoftmaxCrossEntropyBackward(Tensor probs, Tensor target, Tensor dloss, Tensor dlogits, int rows, int cols)
    {
        FloatDispatch.Run(probs, new SoftmaxCrossEntropyBackwardKernel(probs, target, dloss, dlogits, rows, cols));
    }

    private readonly record struct SoftmaxCrossEntropyBackwardKernel(Tensor Probs, Tensor Target, Tensor Dloss, Tensor Dlogits, int Rows, int Cols) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => SoftmaxCeGrad<T>(Probs, Target, Dloss, Dlogits, Rows, Cols);
    }

    private static void SoftmaxCeGrad<T>(Tensor probsT, Tensor targetT, Tensor dlossT, Tensor dlogitsT, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = probsT.Span<T>();
        var t = targetT.Span<T>();
        var g = dlossT.Span<T>();
        var dx = dlogitsT.Span<T>();
        for (var r = 0; r < rows; r++)
        {
            var o = r * cols;
            // Σ t is 1 for one-hot or smoothed targets; keeping it makes soft targets of any mass exact.
            var mass = T.Zero;
            for (var j = 0; j < cols; j++) mass += t[o + j];
            for (var j = 0; j < cols; j++) dx[o + j] += g[r] * (p[o + j] * mass - t[o + j]);
        }
    }

    public void SparseSoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probs, Tensor loss, int rows, int cols)
    {
        FloatDispatch.Run(logits, new SparseSoftmaxCrossEntropyForwardKernel(logits, labels, probs, loss, rows, cols));
    }

    private readonly record struct SparseSoftmaxCrossEntropyForwardKernel(Tensor Logits, Tensor Labels, Tensor Probs, Tensor Loss, int Rows, int Cols) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => SparseCe<T>(Logits, Labels, Probs, Loss, Rows, Cols);
    }

    private static void SparseCe<T>(Tensor logitsT, Tensor labelsT, Tensor probsT, Tensor lossT, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = logitsT.Span<T>();
        var labels = labelsT.Span<int>();
        var p = probsT.Span<T>();
        var loss = lossT.Span<T>();
        Softmax<T>(x, p, rows, cols, log: false);
        for (var r = 0; r < rows; r++)
        {
            var o = r * cols;
            var label = CheckLabel(labels[r], r, cols, "sparse_softmax_cross_entropy_forward");
            var (max, logSum) = MaxAndLogSumExp<T>(x.Slice(o, cols));
            loss[r] = -(x[o + label] - max - logSum);
        }
    }

    public void SparseSoftmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dloss, Tensor dlogits, int rows, int cols)
    {
        FloatDispatch.Run(probs, new SparseSoftmaxCrossEntropyBackwardKernel(probs, labels, dloss, dlogits, rows, cols));
    }

    private readonly record struct SparseSoftmaxCrossEntropyBackwardKernel(Tensor Probs, Tensor Labels, Tensor Dloss, Tensor Dlogits, int Rows, int Cols) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => SparseCeGrad<T>(Probs, Labels, Dloss, Dlogits, Rows, Cols);
    }

    private static void SparseCeGrad<T>(Tensor probsT, Tensor labelsT, Tensor dlossT, Tensor dlogitsT, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = probsT.Span<T>();
        var labels = labelsT.Span<int>();
        var g = dlossT.Span<T>();
        var dx = dlogitsT.Span<T>();
        for (var r = 0; r < rows; r++)
        {
            var o = r * cols;
            var label = CheckLabel(labels[r], r, cols, "sparse_softmax_cross_entropy_backward");
            for (var j = 0; j < cols; j++) dx[o + j] += g[r] * p[o + j];
            dx[o + label] -= g[r];
        }
    }

    private static int CheckLabel(int label, int row, int cols, string kernel)
    {
        if ((uint)label >= (uint)cols)
            throw new ArgumentException(
                $"{kernel}: label {label} at index {row} is out of range for {cols} classes (expected 0 <= label < {cols}).");
        return label;
    }

    /// <summary>max(x) and log Σ exp(x - max) of one row.</summary>
    private static (T Max, T LogSum) MaxAndLogSumExp<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var max = T.NegativeInfinity;
        foreach (var v in x) max = T.Max(max, v);
        var sum = T.Zero;
        foreach (var v in x) sum += T.Exp(v - max);
        return (max, T.Log(sum));
    }

    // ---- cross-entropy on probabilities (Keras's from_logits=False) ----------------------------

    public void CrossEntropyFromProbsForward(Tensor p, Tensor target, Tensor loss, int rows, int cols, double eps)
    {
        FloatDispatch.Run(p, new CrossEntropyFromProbsForwardKernel(p, target, loss, rows, cols, eps));
    }

    private readonly record struct CrossEntropyFromProbsForwardKernel(Tensor P, Tensor Target, Tensor Loss, int Rows, int Cols, double Eps) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => CeProbs<T>(P, Target, Loss, Rows, Cols, Eps);
    }

    private static void CeProbs<T>(Tensor pT, Tensor targetT, Tensor lossT, int rows, int cols, double eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = pT.Span<T>();
        var t = targetT.Span<T>();
        var loss = lossT.Span<T>();
        var (lo, hi) = (C<T>(eps), C<T>(1 - eps));
        for (var r = 0; r < rows; r++)
        {
            var sum = T.Zero;
            for (var j = r * cols; j < (r + 1) * cols; j++) sum += t[j] * T.Log(T.Clamp(p[j], lo, hi));
            loss[r] = -sum;
        }
    }

    public void CrossEntropyFromProbsBackward(Tensor p, Tensor target, Tensor dloss, Tensor dp, int rows, int cols, double eps)
    {
        FloatDispatch.Run(p, new CrossEntropyFromProbsBackwardKernel(p, target, dloss, dp, rows, cols, eps));
    }

    private readonly record struct CrossEntropyFromProbsBackwardKernel(Tensor P, Tensor Target, Tensor Dloss, Tensor Dp, int Rows, int Cols, double Eps) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => CeProbsGrad<T>(P, Target, Dloss, Dp, Rows, Cols, Eps);
    }

    private static void CeProbsGrad<T>(Tensor pT, Tensor targetT, Tensor dlossT, Tensor dpT, int rows, int cols, double eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = pT.Span<T>();
        var t = targetT.Span<T>();
        var g = dlossT.Span<T>();
        var dp = dpT.Span<T>();
        var (lo, hi) = (C<T>(eps), C<T>(1 - eps));
        for (var r = 0; r < rows; r++)
            for (var j = r * cols; j < (r + 1) * cols; j++)
                if (InClipRange(p[j], lo, hi)) dp[j] -= g[r] * t[j] / p[j];
    }

    /// <summary>Where clip(p) passes p through (bounds included), so the gradient does too; like tf.clip_by_value.</summary>
    private static bool InClipRange<T>(T p, T lo, T hi) where T : IFloatingPointIeee754<T> => p >= lo && p <= hi;

    // ---- sigmoid + binary cross-entropy on logits, with per-label positive weights -------------

    public void SigmoidBceWithLogitsForward(Tensor logits, Tensor target, Tensor? posWeight, Tensor loss, int n, int labels)
    {
        FloatDispatch.Run(logits, new SigmoidBceWithLogitsForwardKernel(logits, target, posWeight, loss, n, labels));
    }

    private readonly record struct SigmoidBceWithLogitsForwardKernel(Tensor Logits, Tensor Target, Tensor? PosWeight, Tensor Loss, int N, int Labels) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => SigmoidBce<T>(Logits, Target, PosWeight, Loss, N, Labels);
    }

    private static void SigmoidBce<T>(Tensor logitsT, Tensor targetT, Tensor? posWeightT, Tensor lossT, int n, int labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = logitsT.Span<T>();
        var t = targetT.Span<T>();
        var pw = posWeightT is null ? default : posWeightT.Span<T>();
        var loss = lossT.Span<T>();
        for (var i = 0; i < n; i++)
        {
            var w = posWeightT is null ? T.One : pw[i % labels];
            // -log(sigmoid(x)) = log1p(exp(-|x|)) + max(-x, 0): exp never overflows, log never sees 0.
            var softplusNeg = Log1p(T.Exp(-T.Abs(x[i]))) + T.Max(-x[i], T.Zero);
            loss[i] = (T.One - t[i]) * x[i] + (T.One + (w - T.One) * t[i]) * softplusNeg;
        }
    }

    public void SigmoidBceWithLogitsBackward(Tensor logits, Tensor target, Tensor? posWeight, Tensor dloss, Tensor dlogits, int n, int labels)
    {
        FloatDispatch.Run(logits, new SigmoidBceWithLogitsBackwardKernel(logits, target, posWeight, dloss, dlogits, n, labels));
    }

    private readonly record struct SigmoidBceWithLogitsBackwardKernel(Tensor Logits, Tensor Target, Tensor? PosWeight, Tensor Dloss, Tensor Dlogits, int N, int Labels) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => SigmoidBceGrad<T>(Logits, Target, PosWeight, Dloss, Dlogits, N, Labels);
    }

    private static void SigmoidBceGrad<T>(Tensor logitsT, Tensor targetT, Tensor? posWeightT, Tensor dlossT, Tensor dlogitsT, int n, int labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = logitsT.Span<T>();
        var t = targetT.Span<T>();
        var pw = posWeightT is null ? default : posWeightT.Span<T>();
        var g = dlossT.Span<T>();
        var dx = dlogitsT.Span<T>();
        for (var i = 0; i < n; i++)
        {
            var w = posWeightT is null ? T.One : pw[i % labels];
            // 1 - sigmoid(x) = sigmoid(-x), computed without overflow.
            var oneMinusSig = Sigmoid(-x[i]);
            dx[i] += g[i] * ((T.One - t[i]) - (T.One + (w - T.One) * t[i]) * oneMinusSig);
        }
    }

    /// <summary>log(1 + v), accurate for tiny v (where 1 + v rounds): log(u)·v/(u - 1) with u = 1 + v
    /// cancels the rounding of u. (.NET's LogP1 is plain log(1 + v).)</summary>
    private static T Log1p<T>(T v) where T : IFloatingPointIeee754<T>
    {
        var u = T.One + v;
        return u == T.One ? v : T.Log(u) * v / (u - T.One);
    }

    /// <summary>Never evaluates exp of a large positive number (the loss kernels' stable_sigmoid).</summary>
    internal static T Sigmoid<T>(T v) where T : IFloatingPointIeee754<T>
    {
        if (v >= T.Zero) return T.One / (T.One + T.Exp(-v));
        var e = T.Exp(v);
        return e / (T.One + e);
    }
}
