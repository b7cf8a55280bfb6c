using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Optimizer update kernels: one launch per parameter, all elementwise over n, updating the
/// parameter and its state buffers in place. The gradient buffer is only read (weight decay is
/// added to a local copy), except by the clipping kernels, which rescale it in place. Formulas
/// are PyTorch's (torch.optim.SGD / Adam / AdamW / RMSprop); every buffer has the parameter's dtype.</summary>
public partial interface IBackend
{
    /// <summary>SGD with momentum: g = grad + wd·p; when momentum != 0: v = momentum·v + (1-dampening)·g,
    /// then g = nesterov ? g + momentum·v : v; finally p -= lr·g. When momentum == 0 the velocity
    /// buffer is neither read nor written (any tensor may be passed).</summary>
    void SgdStep(Tensor param, Tensor grad, Tensor velocity, int n, double lr, double momentum, double dampening, bool nesterov, double weightDecay);

    /// <summary>Adam / AdamW at step t ≥ 1: decoupled ? p -= lr·wd·p : g = grad + wd·p;
    /// m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; when vMax is given (amsgrad) vMax = max(vMax, v)
    /// and it replaces v below; p -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps).</summary>
    void AdamStep(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor? vMax, int n, double lr, double beta1, double beta2,
        double eps, double weightDecay, bool decoupled, long step);

    /// <summary>RMSprop (not centered): g = grad + wd·p; s = ρ·s + (1-ρ)·g²; d = g / (sqrt(s) + eps);
    /// with a momentum buffer b (momentum &gt; 0): b = momentum·b + d, p -= lr·b; else p -= lr·d.</summary>
    void RmspropStep(Tensor param, Tensor grad, Tensor squareAvg, Tensor? momentumBuffer, int n, double lr, double rho,
        double eps, double momentum, double weightDecay);

    /// <summary>result[0] += Σ_i x[i]² (result is a one-element tensor of x's dtype), so the global
    /// norm of many gradients is summed on the device without a host round trip.</summary>
    void SquaredNormAccumulate(Tensor x, Tensor result, int n);

    /// <summary>x *= min(1, maxNorm / (sqrt(squaredNorm[0]) + 1e-6)): torch.nn.utils.clip_grad_norm_
    /// applied to one gradient with the global squared norm summed by <see cref="SquaredNormAccumulate"/>.</summary>
    void ScaleToMaxNorm(Tensor x, Tensor squaredNorm, double maxNorm, int n);

}
