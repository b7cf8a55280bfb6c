using Engine.Tensors;

namespace Engine.Optimizers;

/// <summary>Adam as torch.optim.Adam: weight decay is an L2 term added to the gradient (g = grad +
/// wd·p; note Keras 3 applies Adam's weight_decay decoupled instead; use <see cref="AdamW"/> for
/// that); m and v are bias-corrected with the step t; amsgrad keeps the running maximum of v.
/// The default epsilon is Keras's 1e-7 (PyTorch: 1e-8), added to sqrt(v̂) as PyTorch does.</summary>
public class Adam : Optimizer
{
    private const string FirstMoment = "exp_avg";
    private const string SecondMoment = "exp_avg_sq";
    private const string MaxSecondMoment = "max_exp_avg_sq";

    public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false, double weightDecay = 0)
        : base(learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"{GetType().Name} beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"{GetType().Name} beta2 must be in [0, 1).");
        if (!(epsilon >= 0) || double.IsInfinity(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{GetType().Name} epsilon must be >= 0.");
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"{GetType().Name} weightDecay must be >= 0.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        Amsgrad = amsgrad;
        WeightDecay = weightDecay;
        SlotNames = amsgrad ? [FirstMoment, SecondMoment, MaxSecondMoment] : [FirstMoment, SecondMoment];
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    public bool Amsgrad { get; }

    public double WeightDecay { get; }

    /// <summary>True for AdamW: the decay shrinks the weights directly (p -= lr·wd·p) instead of
    /// entering the gradient and the moments.</summary>
    protected virtual bool Decoupled => false;

    public override string Name => "adam";

    protected override IReadOnlyList<string> SlotNames { get; }

    protected override void Update(int index, Tensor param, Tensor grad, double learningRate, long step)
    {
        var m = Slot(index, param, FirstMoment);
        var v = Slot(index, param, SecondMoment);
        var vMax = Amsgrad ? Slot(index, param, MaxSecondMoment) : null;
        param.Backend.AdamStep(param, grad, m, v, vMax, param.Size, learningRate, Beta1, Beta2, Epsilon, WeightDecay, Decoupled, step);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var c = BaseConfig();
        c["beta_1"] = Beta1;
        c["beta_2"] = Beta2;
        c["epsilon"] = Epsilon;
        c["amsgrad"] = Amsgrad;
        c["weight_decay"] = WeightDecay;
        return c;
    }
}
