using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Batch normalization. It views x as [n, c, hw] (hw = 1 for dense
/// inputs) and works channel by channel; its sums are taken in double even for float32 inputs, so
/// the reference stays accurate on large batches.</summary>
public sealed partial class CpuBackend
{
    public void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saveMean, Tensor saveInvStd,
        Tensor runningMean, Tensor runningVar, int n, int c, int hw, double momentum, double eps)
    {
        FloatDispatch.Run(x, new BatchNormForwardTrainingKernel(x, gamma, beta, y, saveMean, saveInvStd, runningMean, runningVar, n, c, hw, momentum, eps));
    }

    /// <summary>float32 runs <see cref="BatchNormFloat.Forward"/> per group of channels, float64 the plain loop.</summary>
    private readonly record struct BatchNormForwardTrainingKernel(Tensor X, Tensor Gamma, Tensor Beta, Tensor Y, Tensor SaveMean, Tensor SaveInvStd,
        Tensor RunningMean, Tensor RunningVar, int N, int C, int Hw, double Momentum, double Eps) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
                BatchNormForwardFloat(X, Gamma, Beta, Y, SaveMean, SaveInvStd, RunningMean, RunningVar, N, C, Hw, Momentum, Eps, relu: false);
            else BatchNormTraining<T>(X, Gamma, Beta, Y, SaveMean, SaveInvStd, RunningMean, RunningVar, N, C, Hw, Momentum, Eps);
        }
    }

    /// <summary>The float32 training forward (<see cref="BatchNormFloat.Forward"/>), plain or fused with ReLU, one
    /// group of channels per work item on both cores.</summary>
    internal static void BatchNormForwardFloat(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saveMean, Tensor saveInvStd,
        Tensor runningMean, Tensor runningVar, int n, int c, int hw, double momentum, double eps, bool relu)
    {
        var size = BatchNormFloat.GroupSize(c, hw);
        CpuParallel.ForEachPlane(BatchNormFloat.Groups(c, size), (long)n * hw * size,
            (x, gamma, beta, y, saveMean, saveInvStd, runningMean, runningVar, n, c, hw, size, momentum, eps, relu), static (s, group) =>
                BatchNormFloat.Forward(s.x.Span<float>(), s.gamma.Span<float>(), s.beta.Span<float>(), s.y.Span<float>(), s.saveMean.Span<float>(),
                    s.saveInvStd.Span<float>(), s.runningMean.Span<float>(), s.runningVar.Span<float>(), s.n, s.c, s.hw, group, s.size,
                    s.momentum, s.eps, s.relu));
    }

    internal static void BatchNormTraining<T>(Tensor xt, Tensor gammat, Tensor betat, Tensor yt, Tensor meant, Tensor invStdt,
        Tensor runMeant, Tensor runVart, int n, int c, int hw, double momentum, double eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var count = (double)n * hw;
        ForEachPlane(c, (long)n * hw, ch =>
        {
            var x = xt.Span<T>();
            var y = yt.Span<T>();
            // Two passes (mean, then squared deviations): stable where E[x²] - E[x]² is not.
            var sum = 0.0;
            for (var b = 0; b < n; b++)
                foreach (var v in x.Slice((b * c + ch) * hw, hw)) sum += double.CreateTruncating(v);
            var mean = sum / count;
            var squares = 0.0;
            for (var b = 0; b < n; b++)
                foreach (var v in x.Slice((b * c + ch) * hw, hw))
                {
                    var d = double.CreateTruncating(v) - mean;
                    squares += d * d;
                }
            var variance = squares / count; // biased, as Keras uses for both normalizing and the moving variance
            var invStd = 1 / Math.Sqrt(variance + eps);

            var scale = double.CreateTruncating(gammat.Span<T>()[ch]) * invStd;
            var shift = double.CreateTruncating(betat.Span<T>()[ch]) - mean * scale;
            for (var b = 0; b < n; b++)
            {
                var at = (b * c + ch) * hw;
                for (var i = 0; i < hw; i++) y[at + i] = C<T>(double.CreateTruncating(x[at + i]) * scale + shift);
            }

            meant.Span<T>()[ch] = C<T>(mean);
            invStdt.Span<T>()[ch] = C<T>(invStd);
            var rm = runMeant.Span<T>();
            var rv = runVart.Span<T>();
            rm[ch] = C<T>(double.CreateTruncating(rm[ch]) * momentum + mean * (1 - momentum));
            rv[ch] = C<T>(double.CreateTruncating(rv[ch]) * momentum + variance * (1 - momentum));
        });
    }

    public void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y,
        int n, int c, int hw, double eps)
    {
        FloatDispatch.Run(x, new BatchNormForwardInferenceKernel(x, gamma, beta, runningMean, runningVar, y, n, c, hw, eps));
    }

    private readonly record struct BatchNormForwardInferenceKernel(Tensor X, Tensor Gamma, Tensor Beta, Tensor RunningMean, Tensor RunningVar, Tensor Y, int N, int C, int Hw, double Eps) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => BatchNormInference<T>(X, Gamma, Beta, RunningMean, RunningVar, Y, N, C, Hw, Eps);
    }

    private static void BatchNormInference<T>(Tensor xt, Tensor gammat, Tensor betat, Tensor meant, Tensor vart, Tensor yt,
        int n, int c, int hw, double eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = xt.Span<T>();
        var y = yt.Span<T>();
        var gamma = gammat.Span<T>();
        var beta = betat.Span<T>();
        var mean = meant.Span<T>();
        var variance = vart.Span<T>();
        for (var ch = 0; ch < c; ch++)
        {
            var scale = double.CreateTruncating(gamma[ch]) / Math.Sqrt(double.CreateTruncating(variance[ch]) + eps);
            var shift = double.CreateTruncating(beta[ch]) - double.CreateTruncating(mean[ch]) * scale;
            for (var b = 0; b < n; b++)
            {
                var at = (b * c + ch) * hw;
                for (var i = 0; i < hw; i++) y[at + i] = C<T>(double.CreateTruncating(x[at + i]) * scale + shift);
            }
        }
    }

    public void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
        Tensor dx, Tensor? dgamma, Tensor? dbeta, int n, int c, int hw)
    {
        FloatDispatch.Run(x, new BatchNormBackwardKernel(x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta, n, c, hw));
    }

    /// <summary>float32 runs <see cref="BatchNormBackwardFloat"/>, float64 the plain loop.</summary>
    private readonly record struct BatchNormBackwardKernel(Tensor X, Tensor Dy, Tensor Gamma, Tensor SaveMean, Tensor SaveInvStd,
        Tensor Dx, Tensor? Dgamma, Tensor? Dbeta, int N, int C, int Hw) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float)) BatchNormBackwardFloat(X, Dy, Gamma, SaveMean, SaveInvStd, Dx, Dgamma, Dbeta, N, C, Hw, assign: false);
            else BatchNormGrad<T>(X, Dy, Gamma, SaveMean, SaveInvStd, Dx, Dgamma, Dbeta, N, C, Hw);
        }
    }

    /// <summary>The float32 batch-norm backward; with <paramref name="assign"/> dx is overwritten instead
    /// of added to (its first writer: no zero fill needed).</summary>
    internal static void BatchNormBackwardFloat(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
        Tensor dx, Tensor? dgamma, Tensor? dbeta, int n, int c, int hw, bool assign) =>
        BatchNormBackwardFloat(x, dy, gamma, null, saveMean, saveInvStd, dx, dgamma, dbeta, n, c, hw, assign);

    /// <summary>The float32 backward (<see cref="BatchNormFloat.Backward"/>), plain or, with <paramref name="beta"/>,
    /// fused with ReLU; one group of channels per work item on both cores.</summary>
    internal static void BatchNormBackwardFloat(Tensor x, Tensor dy, Tensor gamma, Tensor? beta, Tensor saveMean, Tensor saveInvStd,
        Tensor dx, Tensor? dgamma, Tensor? dbeta, int n, int c, int hw, bool assign)
    {
        var size = BatchNormFloat.GroupSize(c, hw);
        CpuParallel.ForEachPlane(BatchNormFloat.Groups(c, size), (long)n * hw * size,
            (x, dy, gamma, beta, saveMean, saveInvStd, dx, dgamma, dbeta, n, c, hw, size, assign), static (s, group) =>
            {
                var (x, dy, gamma, beta, saveMean, saveInvStd, dx, dgamma, dbeta, n, c, hw, size, assign) = s;
                BatchNormFloat.Backward(x.Span<float>(), dy.Span<float>(), gamma.Span<float>(), beta is null ? default : beta.Span<float>(),
                    saveMean.Span<float>(), saveInvStd.Span<float>(), dx.Span<float>(), dgamma is null ? default : dgamma.Span<float>(),
                    dbeta is null ? default : dbeta.Span<float>(), n, c, hw, group, size, assign, relu: beta is not null);
            });
    }

    /// <summary>True when <see cref="BatchNormBackwardFloat"/> serves x.</summary>
    internal static bool HasFloatBatchNorm(Tensor x) => x.Backend is CpuBackend && x.DType == DType.Float32;

    /// <summary>With x̂ = (x - mean)·invstd and m = n·hw values per channel:
    /// dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·invstd·(dy - dβ/m - x̂·dγ/m).</summary>
    internal static void BatchNormGrad<T>(Tensor xt, Tensor dyt, Tensor gammat, Tensor meant, Tensor invStdt,
        Tensor dxt, Tensor? dgammat, Tensor? dbetat, int n, int c, int hw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var count = (double)n * hw;
        ForEachPlane(c, (long)n * hw, ch =>
        {
            var x = xt.Span<T>();
            var dy = dyt.Span<T>();
            var dx = dxt.Span<T>();
            var mean = double.CreateTruncating(meant.Span<T>()[ch]);
            var invStd = double.CreateTruncating(invStdt.Span<T>()[ch]);
            var sumDy = 0.0;
            var sumDyXhat = 0.0;
            for (var b = 0; b < n; b++)
            {
                var at = (b * c + ch) * hw;
                for (var i = 0; i < hw; i++)
                {
                    var g = double.CreateTruncating(dy[at + i]);
                    sumDy += g;
                    sumDyXhat += g * (double.CreateTruncating(x[at + i]) - mean) * invStd;
                }
            }
            var scale = double.CreateTruncating(gammat.Span<T>()[ch]) * invStd;
            for (var b = 0; b < n; b++)
            {
                var at = (b * c + ch) * hw;
                for (var i = 0; i < hw; i++)
                {
                    var xhat = (double.CreateTruncating(x[at + i]) - mean) * invStd;
                    var g = double.CreateTruncating(dy[at + i]);
                    dx[at + i] += C<T>(scale * (g - sumDy / count - xhat * sumDyXhat / count));
                }
            }
            if (dgammat is not null) dgammat.Span<T>()[ch] += C<T>(sumDyXhat);
            if (dbetat is not null) dbetat.Span<T>()[ch] += C<T>(sumDy);
        });
    }
}
