using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Fused batch norm + ReLU (kernels/batchnorm.cu's batch_norm_relu_*): float32 training runs
/// <see cref="BatchNormFloat.Forward"/> / <see cref="BatchNormFloat.Backward"/> with relu, per group of channels on both
/// cores; float64 (what the gradient checks use) and inference the plain loops below.</summary>
public sealed partial class CpuBackend
{
    public void BatchNormReluForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saveMean, Tensor saveInvStd,
        Tensor runningMean, Tensor runningVar, int n, int c, int hw, double momentum, double eps) =>
        FloatDispatch.Run(x, new BatchNormReluTrainingKernel(x, gamma, beta, y, saveMean, saveInvStd, runningMean, runningVar, n, c, hw, momentum, eps));

    private readonly record struct BatchNormReluTrainingKernel(Tensor X, Tensor Gamma, Tensor Beta, Tensor Y, Tensor SaveMean, Tensor SaveInvStd,
        Tensor RunningMean, Tensor RunningVar, int N, int C, int Hw, double Momentum, double Eps) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
                BatchNormForwardFloat(X, Gamma, Beta, Y, SaveMean, SaveInvStd, RunningMean, RunningVar, N, C, Hw, Momentum, Eps, relu: true);
            else
            {
                // The plain batch norm (two-pass statistics), then the fused affine + ReLU from the saved values.
                BatchNormTraining<T>(X, Gamma, Beta, Y, SaveMean, SaveInvStd, RunningMean, RunningVar, N, C, Hw, Momentum, Eps);
                BatchNormReluApply<T>(X, Gamma, Beta, SaveMean, SaveInvStd, Y, N, C, Hw);
            }
        }
    }

    /// <summary>The fused op's affine map from the saved statistics (the plain-loop twin of
    /// <see cref="BatchNormFloat.ReluAffine"/>): used by the forward and, for the mask, the backward.</summary>
    private static (double Scale, double Shift) ReluAffine<T>(Tensor gamma, Tensor beta, Tensor mean, Tensor invStd, int ch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scale = double.CreateTruncating(gamma.Span<T>()[ch]) * double.CreateTruncating(invStd.Span<T>()[ch]);
        return (scale, double.CreateTruncating(beta.Span<T>()[ch]) - double.CreateTruncating(mean.Span<T>()[ch]) * scale);
    }

    /// <summary>y = relu(x·scale + shift) per channel (ReLU's rule: v ≤ 0 gives 0).</summary>
    private static void BatchNormReluApply<T>(Tensor xt, Tensor gamma, Tensor beta, Tensor mean, Tensor invStd, Tensor yt, int n, int c, int hw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = xt.Span<T>();
        var y = yt.Span<T>();
        for (var ch = 0; ch < c; ch++)
        {
            var (scale, shift) = ReluAffine<T>(gamma, beta, mean, invStd, ch);
            for (var b = 0; b < n; b++)
                for (int i = 0, at = (b * c + ch) * hw; i < hw; i++)
                {
                    var v = double.CreateTruncating(x[at + i]) * scale + shift;
                    y[at + i] = v <= 0 ? T.Zero : C<T>(v);
                }
        }
    }

    public void BatchNormReluForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y,
        int n, int c, int hw, double eps) =>
        FloatDispatch.Run(x, new BatchNormReluInferenceKernel(x, gamma, beta, runningMean, runningVar, y, n, c, hw, eps));

    private readonly record struct BatchNormReluInferenceKernel(Tensor X, Tensor Gamma, Tensor Beta, Tensor RunningMean, Tensor RunningVar, Tensor Y,
        int N, int C, int Hw, double Eps) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            // Batch norm's inference loop, then ReLU over the same (still cached, per channel) values is the
            // composite; one loop that rounds once and then clamps gives the same bits.
            var x = X.Span<T>();
            var y = Y.Span<T>();
            var gamma = Gamma.Span<T>();
            var beta = Beta.Span<T>();
            var mean = RunningMean.Span<T>();
            var variance = RunningVar.Span<T>();
            for (var ch = 0; ch < C; ch++)
            {
                var scale = double.CreateTruncating(gamma[ch]) / Math.Sqrt(double.CreateTruncating(variance[ch]) + Eps);
                var shift = double.CreateTruncating(beta[ch]) - double.CreateTruncating(mean[ch]) * scale;
                for (var b = 0; b < N; b++)
                    for (int i = 0, at = (b * C + ch) * Hw; i < Hw; i++)
                    {
                        var v = C<T>(double.CreateTruncating(x[at + i]) * scale + shift);
                        y[at + i] = v <= T.Zero ? T.Zero : v;
                    }
            }
        }
    }

    public void BatchNormReluBackward(Tensor x, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
        Tensor dx, Tensor? dgamma, Tensor? dbeta, int n, int c, int hw) =>
        FloatDispatch.Run(x, new BatchNormReluBackwardKernel(x, dy, gamma, beta, saveMean, saveInvStd, dx, dgamma, dbeta, n, c, hw));

    private readonly record struct BatchNormReluBackwardKernel(Tensor X, Tensor Dy, Tensor Gamma, Tensor Beta, Tensor SaveMean, Tensor SaveInvStd,
        Tensor Dx, Tensor? Dgamma, Tensor? Dbeta, int N, int C, int Hw) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float)) BatchNormReluBackwardFloat(X, Dy, Gamma, Beta, SaveMean, SaveInvStd, Dx, Dgamma, Dbeta, N, C, Hw, assign: false);
            else BatchNormReluGrad<T>(X, Dy, Gamma, Beta, SaveMean, SaveInvStd, Dx, Dgamma, Dbeta, N, C, Hw);
        }
    }

    /// <summary>The float32 fused backward; with <paramref name="assign"/> dx is overwritten (its first writer).</summary>
    internal static void BatchNormReluBackwardFloat(Tensor x, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
        Tensor dx, Tensor? dgamma, Tensor? dbeta, int n, int c, int hw, bool assign) =>
        BatchNormBackwardFloat(x, dy, gamma, beta, saveMean, saveInvStd, dx, dgamma, dbeta, n, c, hw, assign);

    /// <summary>The plain fused backward: dz = dy where x·scale + shift &gt; 0, then <see cref="BatchNormGrad{T}"/>'s formulas on dz.</summary>
    private static void BatchNormReluGrad<T>(Tensor xt, Tensor dyt, Tensor gammat, Tensor betat, Tensor meant, Tensor invStdt,
        Tensor dxt, Tensor? dgammat, Tensor? dbetat, int n, int c, int hw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var count = (double)n * hw;
        var x = xt.Span<T>();
        var dy = dyt.Span<T>();
        var dx = dxt.Span<T>();
        for (var ch = 0; ch < c; ch++)
        {
            var (affineScale, affineShift) = ReluAffine<T>(gammat, betat, meant, invStdt, ch);
            var mean = double.CreateTruncating(meant.Span<T>()[ch]);
            var invStd = double.CreateTruncating(invStdt.Span<T>()[ch]);
            var (sumDz, sumDzXhat) = (0.0, 0.0);
            for (var b = 0; b < n; b++)
                for (int i = 0, at = (b * c + ch) * hw; i < hw; i++)
                {
                    var g = double.CreateTruncating(x[at + i]) * affineScale + affineShift > 0 ? double.CreateTruncating(dy[at + i]) : 0;
                    sumDz += g;
                    sumDzXhat += g * (double.CreateTruncating(x[at + i]) - mean) * invStd;
                }
            var scale = double.CreateTruncating(gammat.Span<T>()[ch]) * invStd;
            for (var b = 0; b < n; b++)
                for (int i = 0, at = (b * c + ch) * hw; i < hw; i++)
                {
                    var xhat = (double.CreateTruncating(x[at + i]) - mean) * invStd;
                    var g = double.CreateTruncating(x[at + i]) * affineScale + affineShift > 0 ? double.CreateTruncating(dy[at + i]) : 0;
                    dx[at + i] += C<T>(scale * (g - sumDz / count - xhat * sumDzXhat / count));
                }
            if (dgammat is not null) dgammat.Span<T>()[ch] += C<T>(sumDzXhat);
            if (dbetat is not null) dbetat.Span<T>()[ch] += C<T>(sumDz);
        }
    }
}
