using Engine.Tensors;

namespace Engine.Optimizers;

/// <summary>Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight
/// decay, exactly as torch.optim.SGD: g = grad + wd·p; v = momentum·v + (1-dampening)·g (the first
/// step sets v = g); p -= lr·(nesterov ? g + momentum·v : v). With constant rate this equals Keras
/// SGD (which stores −lr·v instead of v).</summary>
public sealed class Sgd : Optimizer
{
    private const string Velocity = "momentum_buffer";

    public Sgd(double learningRate = 0.01, double momentum = 0, bool nesterov = false, double weightDecay = 0, double dampening = 0)
        : base(learningRate)
    {
        if (!(momentum >= 0) || double.IsInfinity(momentum)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "SGD momentum must be >= 0.");
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "SGD weightDecay must be >= 0.");
        if (!(dampening >= 0 && dampening <= 1)) throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "SGD dampening must be in [0, 1].");
        if (nesterov && (momentum == 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum needs momentum > 0 and dampening = 0 (as in PyTorch).", nameof(nesterov));
        (Momentum, Nesterov, WeightDecay, Dampening) = (momentum, nesterov, weightDecay, dampening);
    }

    public double Momentum { get; }

    public bool Nesterov { get; }

    public double WeightDecay { get; }

    public double Dampening { get; }

    public override string Name => "sgd";

    protected override IReadOnlyList<string> SlotNames { get; } = [Velocity];

    protected override void Update(int index, Tensor param, Tensor grad, double learningRate, long step)
    {
        if (Momentum == 0)
        {
            // No velocity to keep: the kernel ignores the buffer, so the gradient stands in for it.
            param.Backend.SgdStep(param, grad, grad, param.Size, learningRate, 0, Dampening, Nesterov, WeightDecay);
            return;
        }
        var velocity = Slot(index, param, Velocity, out var created);
        // torch starts the buffer as a copy of the first gradient; from v = 0 that is one undampened step.
        var dampening = created ? 0 : Dampening;
        param.Backend.SgdStep(param, grad, velocity, param.Size, learningRate, Momentum, dampening, Nesterov, WeightDecay);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var c = BaseConfig();
        c["momentum"] = Momentum;
        c["nesterov"] = Nesterov;
        c["weight_decay"] = WeightDecay;
        c["dampening"] = Dampening;
        return c;
    }
}
