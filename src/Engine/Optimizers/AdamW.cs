namespace Engine.Optimizers;

/// <summary>Adam with decoupled weight decay (torch.optim.AdamW, Keras AdamW): before the Adam update
/// p -= lr·wd·p. Keras's default weight decay, 0.004 (PyTorch's is 0.01).</summary>
public sealed class AdamW : Adam
{
    public AdamW(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false, double weightDecay = 0.004)
        : base(learningRate, beta1, beta2, epsilon, amsgrad, weightDecay)
    {
    }

    protected override bool Decoupled => true;

    public override string Name => "adamw";
}
