using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void SgdStep(Tensor param, Tensor grad, Tensor velocity, int n, double lr, double momentum, double dampening, bool nesterov, double weightDecay)
    {
        FloatDispatch.Run(param, new SgdStepKernel(param, grad, velocity, n, lr, momentum, dampening, nesterov, weightDecay));
    }

    private readonly record struct SgdStepKernel(Tensor Param, Tensor Grad, Tensor Velocity, int N, double Lr, double Momentum, double Dampening, bool Nesterov, double WeightDecay) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => Sgd<T>(Param, Grad, Velocity, N, Lr, Momentum, Dampening, Nesterov, WeightDecay);
    }

    private static void Sgd<T>(Tensor param, Tensor grad, Tensor velocity, int n, double lr, double momentum, double dampening, bool nesterov, double weightDecay)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = param.Span<T>();
        var g = grad.Span<T>();
        var v = momentum != 0 ? velocity.Span<T>() : default;
        var (tlr, tm, tkeep, twd) = (C<T>(lr), C<T>(momentum), C<T>(1 - dampening), C<T>(weightDecay));
        for (var i = 0; i < n; i++)
        {
            var d = g[i] + twd * p[i];
            if (momentum != 0)
            {
                v[i] = tm * v[i] + tkeep * d;
                d = nesterov ? d + tm * v[i] : v[i];
            }
            p[i] -= tlr * d;
        }
    }

    public void AdamStep(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor? vMax, int n, double lr, double beta1, double beta2,
        double eps, double weightDecay, bool decoupled, long step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "adam_step counts steps from 1.");
        FloatDispatch.Run(param, new AdamStepKernel(param, grad, m, v, vMax, n, lr, beta1, beta2, eps, weightDecay, decoupled, step));
    }

    /// <summary>float32 runs the SIMD <see cref="AdamFloat"/>, float64 the plain loop.</summary>
    private readonly record struct AdamStepKernel(Tensor Param, Tensor Grad, Tensor M, Tensor V, Tensor? VMax, int N, double Lr, double Beta1,
        double Beta2, double Eps, double WeightDecay, bool Decoupled, long Step) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float)) AdamFloat(Param, Grad, M, V, VMax, N, Lr, Beta1, Beta2, Eps, WeightDecay, Decoupled, Step);
            else Adam<T>(Param, Grad, M, V, VMax, N, Lr, Beta1, Beta2, Eps, WeightDecay, Decoupled, Step);
        }
    }

    /// <summary>The plain loop: float64 always, float32 in tests as the reference of <see cref="AdamFloat"/>.</summary>
    internal static void Adam<T>(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor? vMax, int n, double lr, double beta1, double beta2,
        double eps, double weightDecay, bool decoupled, long step) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = param.Span<T>();
        var g = grad.Span<T>();
        var pm = m.Span<T>();
        var pv = v.Span<T>();
        var pmax = vMax is null ? default : vMax.Span<T>();
        // Bias corrections depend only on the step, so they are scalars computed once (in double).
        var stepSize = C<T>(lr / (1 - Math.Pow(beta1, step)));
        var bc2Sqrt = C<T>(Math.Sqrt(1 - Math.Pow(beta2, step)));
        var (b1, b2, ob1, ob2, te) = (C<T>(beta1), C<T>(beta2), C<T>(1 - beta1), C<T>(1 - beta2), C<T>(eps));
        var shrink = C<T>(1 - lr * weightDecay);
        var twd = C<T>(weightDecay);
        for (var i = 0; i < n; i++)
        {
            var d = g[i];
            if (decoupled) p[i] *= shrink;
            else d += twd * p[i];
            pm[i] = b1 * pm[i] + ob1 * d;
            pv[i] = b2 * pv[i] + ob2 * d * d;
            var second = pv[i];
            if (vMax is not null)
            {
                pmax[i] = T.Max(pmax[i], pv[i]);
                second = pmax[i];
            }
            var denom = T.Sqrt(second) / bc2Sqrt + te;
            p[i] -= stepSize * (pm[i] / denom);
        }
    }

    public void RmspropStep(Tensor param, Tensor grad, Tensor squareAvg, Tensor? momentumBuffer, int n, double lr, double rho,
        double eps, double momentum, double weightDecay)
    {
        FloatDispatch.Run(param, new RmspropStepKernel(param, grad, squareAvg, momentumBuffer, n, lr, rho, eps, momentum, weightDecay));
    }

    private readonly record struct RmspropStepKernel(Tensor Param, Tensor Grad, Tensor SquareAvg, Tensor? MomentumBuffer, int N, double Lr, double Rho, double Eps, double Momentum, double WeightDecay) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => Rmsprop<T>(Param, Grad, SquareAvg, MomentumBuffer, N, Lr, Rho, Eps, Momentum, WeightDecay);
    }

    private static void Rmsprop<T>(Tensor param, Tensor grad, Tensor squareAvg, Tensor? momentumBuffer, int n, double lr, double rho,
        double eps, double momentum, double weightDecay) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = param.Span<T>();
        var g = grad.Span<T>();
        var s = squareAvg.Span<T>();
        var b = momentumBuffer is null ? default : momentumBuffer.Span<T>();
        var useMomentum = momentumBuffer is not null && momentum > 0;
        var (tlr, tr, tor, te, tm, twd) = (C<T>(lr), C<T>(rho), C<T>(1 - rho), C<T>(eps), C<T>(momentum), C<T>(weightDecay));
        for (var i = 0; i < n; i++)
        {
            var d = g[i] + twd * p[i];
            s[i] = tr * s[i] + tor * d * d;
            var step = d / (T.Sqrt(s[i]) + te);
            if (useMomentum)
            {
                b[i] = tm * b[i] + step;
                step = b[i];
            }
            p[i] -= tlr * step;
        }
    }

    public void SquaredNormAccumulate(Tensor x, Tensor result, int n)
    {
        FloatDispatch.Run(x, new SquaredNormAccumulateKernel(x, result, n));
    }

    private readonly record struct SquaredNormAccumulateKernel(Tensor X, Tensor Result, int N) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => SquaredNorm<T>(X, Result, N);
    }

    private static void SquaredNorm<T>(Tensor x, Tensor result, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var px = x.Span<T>();
        var sum = T.Zero;
        for (var i = 0; i < n; i++) sum += px[i] * px[i];
        result.Span<T>()[0] += sum;
    }

    public void ScaleToMaxNorm(Tensor x, Tensor squaredNorm, double maxNorm, int n)
    {
        FloatDispatch.Run(x, new ScaleToMaxNormKernel(x, squaredNorm, maxNorm, n));
    }

    private readonly record struct ScaleToMaxNormKernel(Tensor X, Tensor SquaredNorm, double MaxNorm, int N) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => ScaleToMaxNorm<T>(X, SquaredNorm, MaxNorm, N);
    }

    private static void ScaleToMaxNorm<T>(Tensor x, Tensor squaredNorm, double maxNorm, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var px = x.Span<T>();
        var norm = T.Sqrt(squaredNorm.Span<T>()[0]);
        var coef = T.Min(T.One, C<T>(maxNorm) / (norm + C<T>(1e-6)));
        for (var i = 0; i < n; i++) px[i] *= coef;
    }

}
