using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Optimizer steps and gradient clipping: one kernel each over n elements (one tensor or
/// a contiguous parameter arena).</summary>
public sealed partial class CudaBackend
{
    /// <summary>PyTorch SGD: weight decay, momentum with dampening, Nesterov.</summary>
    public void SgdStep(Tensor param, Tensor grad, Tensor velocity, int n, double lr, double momentum, double dampening, bool nesterov, double weightDecay)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(n), F32(param, n, k), F32(grad, n, k), F32(velocity, momentum != 0 ? n : 0, k), n, lr, momentum, dampening, nesterov, weightDecay);
    }

    /// <summary>PyTorch Adam / AdamW (decoupled weight decay); AMSGrad when <paramref name="vMax"/> is given.
    /// <paramref name="step"/> counts from 1 (bias correction).</summary>
    public void AdamStep(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor? vMax, int n, double lr, double beta1, double beta2, double eps,
        double weightDecay, bool decoupled, long step)
    {
        var k = KernelNames.Of();
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"{k}: the step count starts at 1 (it sets the bias correction).");
        Launch(k, Grid1D(n), F32(param, n, k), F32(grad, n, k), F32(m, n, k), F32(v, n, k), F32(vMax, n, k, optional: true), n,
            lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    /// <summary>PyTorch RMSprop (not centered), with optional momentum (buffer required when momentum &gt; 0).</summary>
    public void RmspropStep(Tensor param, Tensor grad, Tensor squareAvg, Tensor? momentumBuffer, int n, double lr, double rho, double eps,
        double momentum, double weightDecay)
    {
        var k = KernelNames.Of();
        if (momentum > 0 && momentumBuffer is null)
            throw new ArgumentException($"{k}: momentum {momentum} needs a momentum buffer; received none.", nameof(momentumBuffer));
        Launch(k, Grid1D(n), F32(param, n, k), F32(grad, n, k), F32(squareAvg, n, k), F32(momentumBuffer, n, k, optional: true), n,
            lr, rho, eps, momentum, weightDecay);
    }

    /// <summary>result[0] += Σ x² on the device (result is float32 like x).</summary>
    public void SquaredNormAccumulate(Tensor x, Tensor result, int n)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(n), F32(x, n, k), F32(result, 1, k), n);
    }

    public void ScaleToMaxNorm(Tensor x, Tensor squaredNorm, double maxNorm, int n)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(n), F32(x, n, k), F32(squaredNorm, 1, k), maxNorm, n);
    }

}
