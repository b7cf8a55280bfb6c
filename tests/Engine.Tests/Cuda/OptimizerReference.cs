namespace Engine.Tests.Cuda;

/// <summary>PyTorch's SGD, Adam/AdamW and RMSprop update rules as plain double loops: the reference
/// for the GPU optimizer kernels until their CPU twins (branch optim) land in CpuBackend.</summary>
internal static class OptimizerReference
{
    public static void Sgd(double[] p, double[] g, double[] buf, double lr, double momentum, double dampening, bool nesterov, double wd)
    {
        for (var i = 0; i < p.Length; i++)
        {
            var d = g[i] + wd * p[i];
            if (momentum != 0)
            {
                buf[i] = momentum * buf[i] + (1 - dampening) * d;
                d = nesterov ? d + momentum * buf[i] : buf[i];
            }
            p[i] -= lr * d;
        }
    }

    public static void Adam(double[] p, double[] g, double[] m, double[] v, double[]? vMax, double lr, double b1, double b2, double eps,
        double wd, bool decoupled, long step)
    {
        var bc1 = 1 - Math.Pow(b1, step);
        var bc2 = 1 - Math.Pow(b2, step);
        for (var i = 0; i < p.Length; i++)
        {
            var d = g[i];
            if (decoupled) p[i] *= 1 - lr * wd;
            else d += wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * d;
            v[i] = b2 * v[i] + (1 - b2) * d * d;
            var vHat = v[i];
            if (vMax is not null) vHat = vMax[i] = Math.Max(vMax[i], v[i]);
            p[i] -= lr / bc1 * m[i] / (Math.Sqrt(vHat) / Math.Sqrt(bc2) + eps);
        }
    }

    public static void Rmsprop(double[] p, double[] g, double[] sq, double[]? buf, double lr, double rho, double eps, double momentum, double wd)
    {
        for (var i = 0; i < p.Length; i++)
        {
            var d = g[i] + wd * p[i];
            sq[i] = rho * sq[i] + (1 - rho) * d * d;
            var avg = Math.Sqrt(sq[i]) + eps;
            if (momentum > 0)
            {
                buf![i] = momentum * buf[i] + d / avg;
                p[i] -= lr * buf[i];
            }
            else p[i] -= lr * d / avg;
        }
    }
}
