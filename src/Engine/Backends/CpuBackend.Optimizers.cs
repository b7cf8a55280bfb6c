using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void SgdStep(Tensor param, Tensor grad, Tensor velocity, int n, double lr, double momentum, double dampening, bool nesterov, double weightDecay)
    {
        if (IsF32(param, "sgd_step")) Sgd<float>(param, grad, velocity, n, lr, momentum, dampening, nesterov, weightDecay);
        else Sgd<double>(param, grad, velocity, n, lr, momentum, dampening, nesterov, weightDecay);
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
        if (IsF32(param, "adam_step")) AdamFloat(param, grad, m, v, vMax, n, lr, beta1, beta2, eps, weightDecay, decoupled, step);
        else Adam<double>(param, grad, m, v, vMax, n, lr, beta1, beta2, eps, weightDecay, decoupled, step);
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
        if (IsF32(param, "rmsprop_step")) Rmsprop<float>(param, grad, squareAvg, momentumBuffer, n, lr, rho, eps, momentum, weightDecay);
        else Rmsprop<double>(param, grad, squareAvg, momentumBuffer, n, lr, rho, eps, momentum, weightDecay);
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
        if (IsF32(x, "squared_norm_accumulate")) SquaredNorm<float>(x, result, n);
        else SquaredNorm<double>(x, result, n);
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
        if (IsF32(x, "scale_to_max_norm")) ScaleToMaxNorm<float>(x, squaredNorm, maxNorm, n);
        else ScaleToMaxNorm<double>(x, squaredNorm, maxNorm, n);
    }

    private static void ScaleToMaxNorm<T>(Tensor x, Tensor squaredNorm, double maxNorm, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var px = x.Span<T>();
        var norm = T.Sqrt(squaredNorm.Span<T>()[0]);
        var coef = T.Min(T.One, C<T>(maxNorm) / (norm + C<T>(1e-6)));
        for (var i = 0; i < n; i++) px[i] *= coef;
    }

}
