using Engine.Tensors;

namespace Engine.Optimizers;

/// <summary>RMSprop as torch.optim.RMSprop (not centered): g = grad + wd·p; s = ρ·s + (1-ρ)·g²;
/// p -= lr·g/(sqrt(s) + eps), through a momentum buffer when momentum &gt; 0. Keras puts eps inside
/// the square root instead; the two agree once s ≫ eps².</summary>
public sealed class RmsProp : Optimizer
{
    private const string SquareAverage = "square_avg";
    private const string MomentumBuffer = "momentum_buffer";

    public RmsProp(double learningRate = 0.001, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, double weightDecay = 0)
        : base(learningRate)
    {
        if (!(rho >= 0 && rho < 1)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "RMSprop rho must be in [0, 1).");
        if (!(momentum >= 0) || double.IsInfinity(momentum)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "RMSprop momentum must be >= 0.");
        if (!(epsilon >= 0) || double.IsInfinity(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "RMSprop epsilon must be >= 0.");
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "RMSprop weightDecay must be >= 0.");
        Rho = rho;
        Momentum = momentum;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        SlotNames = momentum > 0 ? [SquareAverage, MomentumBuffer] : [SquareAverage];
    }

    public double Rho { get; }

    public double Momentum { get; }

    public double Epsilon { get; }

    public double WeightDecay { get; }

    public override string Name => "rmsprop";

    protected override IReadOnlyList<string> SlotNames { get; }

    protected override void Update(int index, Tensor param, Tensor grad, double learningRate, long step)
    {
        var squareAvg = Slot(index, param, SquareAverage);
        var buffer = Momentum > 0 ? Slot(index, param, MomentumBuffer) : null;
        param.Backend.RmspropStep(param, grad, squareAvg, buffer, param.Size, learningRate, Rho, Epsilon, Momentum, WeightDecay);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var c = BaseConfig();
        c["rho"] = Rho;
        c["momentum"] = Momentum;
        c["epsilon"] = Epsilon;
        c["weight_decay"] = WeightDecay;
        return c;
    }
}
