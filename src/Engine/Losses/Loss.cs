using Engine.Metrics;

namespace Engine.Losses;

/// <summary>A Keras loss object. <see cref="PerSample"/> gives one loss per sample ([N]);
/// <see cref="Call"/> reduces it like Keras's "sum_over_batch_size": Σ w·loss / N. A name converts
/// implicitly, so <c>loss: "sparse_categorical_crossentropy"</c> works wherever a Loss is expected.</summary>
public abstract class Loss
{
    /// <summary>Keras's snake_case name ("categorical_crossentropy"), used in logs and configs.</summary>
    public abstract string Name { get; }

    /// <summary>How targets are encoded for this loss; decides what "accuracy" means (null: inferred
    /// from the targets, as for regression losses).</summary>
    public abstract TargetKind? TargetKind { get; }

    /// <summary>True when predictions are logits (metrics then see softmax / sigmoid of them).</summary>
    public virtual bool FromLogits => false;

    /// <summary>One loss value per sample, shape [N].</summary>
    public abstract Tensor PerSample(Tensor yTrue, Tensor yPred);

    /// <summary>For losses that average independent per-label terms (binary cross-entropy, focal):
    /// the terms [N, L] before that mean, so class weights can act per label. Null otherwise.</summary>
    public virtual Tensor? PerElement(Tensor yTrue, Tensor yPred) => null;

    /// <summary>The scalar loss: Σ sampleWeight·loss / N (Keras's default reduction).</summary>
    public Tensor Call(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) => Ops.WeightedMean(PerSample(yTrue, yPred), sampleWeight);

    /// <summary>Scalar loss with per-element weights [N, L] (class weights on multi-label targets).</summary>
    internal Tensor Compute(Tensor yTrue, Tensor yPred, Tensor? sampleWeight, Tensor? elementWeight)
    {
        if (elementWeight is null) return Call(yTrue, yPred, sampleWeight);
        var terms = PerElement(yTrue, yPred)
            ?? throw new InvalidOperationException($"Loss '{Name}' has no per-label terms, so per-label class weights cannot be applied.");
        return Ops.WeightedMean(Ops.Mean(Ops.Mul(terms, elementWeight), 1), sampleWeight);
    }

    /// <summary>The constructor arguments as JSON, for saved models.</summary>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name };

    public override string ToString() => Name;

    // ---- by name -----------------------------------------------------------------------------

    private static readonly Dictionary<string, Func<JsonObject?, Loss>> Known = new()
    {
        ["categorical_crossentropy"] = c => new CategoricalCrossentropy(c.Bool("from_logits"), c.Num("label_smoothing")),
        ["sparse_categorical_crossentropy"] = c => new SparseCategoricalCrossentropy(c.Bool("from_logits")),
        ["binary_crossentropy"] = c => new BinaryCrossentropy(c.Bool("from_logits"), c.Num("label_smoothing"), c.Doubles("pos_weight")),
        ["binary_focal_crossentropy"] = c => new BinaryFocalCrossentropy(c.Bool("apply_class_balancing"), c.Num("alpha", 0.25), c.Num("gamma", 2), c.Bool("from_logits"), c.Num("label_smoothing")),
        ["categorical_focal_crossentropy"] = c => new CategoricalFocalCrossentropy(c.Num("alpha", 0.25), c.Num("gamma", 2), c.Bool("from_logits"), c.Num("label_smoothing")),
        ["mean_squared_error"] = _ => new MeanSquaredError(),
    };

    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["crossentropy"] = "categorical_crossentropy",
        ["mse"] = "mean_squared_error",
        ["focal"] = "binary_focal_crossentropy",
    };

    /// <summary>Names <see cref="FromName"/> accepts.</summary>
    public static IReadOnlyCollection<string> KnownNames
    {
        get { lock (Known) return [.. Known.Keys, .. Aliases.Keys]; }
    }

    /// <summary>The loss Keras means by <paramref name="name"/> (default arguments).</summary>
    public static Loss FromName(string name) => FromConfig(name, null);

    /// <summary>Rebuilds a loss from its name and <see cref="GetConfig"/> output.</summary>
    public static Loss FromConfig(string name, JsonObject? config)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        key = Aliases.GetValueOrDefault(key, key);
        Func<JsonObject?, Loss>? make;
        lock (Known) Known.TryGetValue(key, out make);
        return make?.Invoke(config) ?? throw new ArgumentException(
            $"Could not interpret loss identifier: '{name}'. Known losses: {string.Join(", ", KnownNames.Order())} (or pass a Loss object; register custom ones with Loss.Register).", nameof(name));
    }

    /// <summary>Makes a custom loss available by name (for Compile strings and saved models).</summary>
    public static void Register(string name, Func<JsonObject?, Loss> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Known) Known[name] = factory;
    }

    public static implicit operator Loss(string name) => FromName(name);

    // ---- shared checks -----------------------------------------------------------------------

    /// <summary>Keras's message for targets and predictions of different shapes.</summary>
    protected static void RequireSameShape(string loss, Tensor yTrue, Tensor yPred)
    {
        if (yTrue.Shape != yPred.Shape)
            throw new ArgumentException(
                $"{loss}: arguments `target` and `output` must have the same shape. Received: target.shape={yTrue.Shape}, output.shape={yPred.Shape}.");
    }

    /// <summary>Targets as float of the prediction's dtype (integer 0/1 targets are accepted).</summary>
    protected static Tensor AsFloatTargets(Tensor yTrue, Tensor yPred) => yTrue.DType == yPred.DType ? yTrue : yTrue.To(yPred.DType);

    /// <summary>Label smoothing for binary targets: t·(1 - s) + s/2.</summary>
    protected static Tensor SmoothBinary(Tensor t, double s) => s == 0 ? t : Ops.Affine(t, 1 - s, 0.5 * s);
}
