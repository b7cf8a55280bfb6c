namespace Engine.Layers;

/// <summary>Batch normalization over the channel axis 1 (NCHW images or (batch, features)), with
/// Keras's defaults: momentum 0.99, epsilon 1e-3. In training it normalizes with the batch
/// statistics and updates moving_mean / moving_variance (non-trainable weights, saved in
/// checkpoints); at inference, or when the layer is frozen, it uses the moving statistics.
/// Keras's default axis is -1 (channels-last); here it is the channel axis of NCHW.</summary>
public sealed class BatchNormalization : Layer
{
    private Tensor? _fixedGamma, _fixedBeta;

    public BatchNormalization(double momentum = 0.99, double epsilon = 1e-3, bool center = true, bool scale = true,
        int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentException($"BatchNormalization: momentum must be in [0, 1]; received {momentum}.", nameof(momentum));
        if (!(epsilon > 0)) throw new ArgumentException($"BatchNormalization: epsilon must be positive; received {epsilon}.", nameof(epsilon));
        (Momentum, Epsilon, Center, Scale) = (momentum, epsilon, center, scale);
    }

    public double Momentum { get; }

    public double Epsilon { get; }

    /// <summary>Learn an offset beta.</summary>
    public bool Center { get; }

    /// <summary>Learn a scale gamma.</summary>
    public bool Scale { get; }

    public Variable? Gamma { get; private set; }

    public Variable? Beta { get; private set; }

    public Variable? MovingMean { get; private set; }

    public Variable? MovingVariance { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != 1 && inputShape.Length != 3)
            throw Incompatible($"expected ndim=2 (batch, features) or ndim=4 (batch, channels, height, width), found ndim={inputShape.Length + 1}. Full shape received: {WithBatch(inputShape)}.");
        return inputShape;
    }

    protected override void BuildCore(int[] inputShape)
    {
        var c = inputShape[0];
        if (Scale) Gamma = AddWeight("gamma", [c], new Constant(1));
        if (Center) Beta = AddWeight("beta", [c], new Constant(0));
        MovingMean = AddWeight("moving_mean", [c], new Constant(0), trainable: false);
        MovingVariance = AddWeight("moving_variance", [c], new Constant(1), trainable: false);
    }

    protected override Tensor Call(Tensor x, CallContext context)
    {
        var gamma = Gamma?.Value ?? Fixed(ref _fixedGamma, 1, x);
        var beta = Beta?.Value ?? Fixed(ref _fixedBeta, 0, x);
        var training = context.Training && Trainable;
        return context.FusedRelu
            ? Ops.BatchNormRelu(x, gamma, beta, MovingMean!.Value, MovingVariance!.Value, training, Momentum, Epsilon)
            : Ops.BatchNorm(x, gamma, beta, MovingMean!.Value, MovingVariance!.Value, training, Momentum, Epsilon);
    }

    /// <summary>A constant gamma or beta when scale/center is off (not a weight).</summary>
    private Tensor Fixed(ref Tensor? cache, double value, Tensor like)
    {
        if (cache is null || cache.IsDisposed || cache.Device != like.Device || cache.DType != like.DType)
        {
            using var untracked = TensorScope.Untracked();
            cache = Tensor.Full(new Shape(MovingMean!.Value.Size), value, like.DType, like.Device);
        }
        return cache;
    }

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = 1;
        c["momentum"] = Momentum;
        c["epsilon"] = Epsilon;
        c["center"] = Center;
        c["scale"] = Scale;
        return c;
    }

    internal static BatchNormalization FromConfig(JsonObject c) =>
        new(c.Double("momentum"), c.Double("epsilon"), c.Bool("center"), c.Bool("scale"), c.IntsOrNull("input_shape"), c.Str("name"));
}
