using System.Text.RegularExpressions;

namespace Engine.Layers;

/// <summary>Base of all layers, shaped like Keras's: the constructor holds the configuration,
/// <see cref="Build"/> creates the weights once the input shape is known (lazily, from the first input),
/// <see cref="Call"/> runs the ops, <see cref="ComputeOutputShape"/> answers without running.
/// Shapes here are per sample, without the batch axis, and images are channels-first: Keras's
/// <c>input_shape=(28, 28, 1)</c> is <c>inputShape: [1, 28, 28]</c>.</summary>
public abstract partial class Layer
{
    private readonly List<Variable> _weights = [];
    private (DType DType, Device Device, Rng Rng)? _building;
    private Rng? _eagerRng;
    private bool _trainable = true;

    protected Layer(string? name, int[]? inputShape)
    {
        if (name is not null && !ValidName().IsMatch(name))
            throw new ArgumentException($"Invalid layer name '{name}': use letters, digits, '_', '-' and '.', starting with a letter or '_'.", nameof(name));
        if (inputShape is not null && inputShape.Any(d => d <= 0))
            throw new ArgumentException($"{GetType().Name}: every dimension of inputShape must be positive; received {Shape.Format(inputShape)}.", nameof(inputShape));
        Name = name ?? ToSnakeCase(ClassName);
        AutoNamed = name is null;
        InputShape = inputShape?.ToArray();
    }

    /// <summary>Unique within a model: "conv2d", "conv2d_1", … (assigned when the model is assembled).</summary>
    public string Name { get; private set; }

    /// <summary>The class name shown by Summary and stored in model configs.</summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>When false the layer's weights are frozen (no gradients, the optimizer skips them);
    /// a frozen BatchNormalization also runs in inference mode, as in Keras.</summary>
    public bool Trainable
    {
        get => _trainable;
        set
        {
            _trainable = value;
            foreach (var w in _weights) w.Value.RequiresGrad = w.Trainable && value;
            OnTrainableChanged(value);
        }
    }

    /// <summary>Layers that hold other layers (a nested model) pass the setting on.</summary>
    private protected virtual void OnTrainableChanged(bool trainable)
    {
    }

    /// <summary>The nested model this layer belongs to, when its model is used as a layer of another:
    /// weight paths then start with that model's name ("backbone/conv2d/kernel").</summary>
    internal Layer? Owner { get; set; }

    /// <summary>"" for a layer of the outermost model, "backbone/" (and so on outward) inside nested models.</summary>
    internal string PathPrefix => Owner is null ? "" : Owner.PathPrefix + Owner.Name + "/";

    /// <summary>The per-sample input shape declared with <c>inputShape:</c> (Keras's input_shape), or null.</summary>
    public int[]? InputShape { get; }

    public bool Built => BuiltInputShape is not null;

    /// <summary>The per-sample input shape the weights were built for.</summary>
    public int[]? BuiltInputShape { get; private set; }

    /// <summary>Element type of the weights (float32 unless built from float64 inputs).</summary>
    public DType? DType => Weights.Count > 0 ? Weights[0].Value.DType : null;

    public virtual IReadOnlyList<Variable> Weights => _weights;

    public virtual IReadOnlyList<Variable> TrainableWeights => _trainable ? _weights.Where(w => w.Trainable).ToList() : [];

    /// <summary>Appends the tensors of <see cref="TrainableWeights"/> to <paramref name="into"/>, in
    /// the same order, without allocating (the training step's parameter list).</summary>
    internal virtual void AddTrainableTensors(List<Tensor> into)
    {
        if (!_trainable) return;
        foreach (var w in _weights)
            if (w.Trainable) into.Add(w.Value);
    }

    public virtual IReadOnlyList<Variable> NonTrainableWeights => _trainable ? _weights.Where(w => !w.Trainable).ToList() : _weights;

    /// <summary>Total number of weight elements (0 before Build).</summary>
    public long CountParams() => Weights.Sum(w => (long)w.Value.Size);

    internal bool AutoNamed { get; private set; }

    internal void AssignName(string name)
    {
        Name = name;
        AutoNamed = false;
    }

    /// <summary>A default name that the enclosing model may still make unique ("functional" → "functional_1").</summary>
    private protected void RenameAuto(string name) => Name = name;

    // ---- shapes ------------------------------------------------------------------------------

    /// <summary>The per-sample output shape for a per-sample input shape; throws a Keras-style error
    /// when the input cannot be handled (wrong rank, kernel larger than the image, …).</summary>
    public abstract int[] ComputeOutputShape(int[] inputShape);

    /// <summary>"Input 0 of layer "conv2d" is incompatible with the layer: {what}".</summary>
    protected ArgumentException Incompatible(string what, int input = 0) =>
        new($"Input {input} of layer \"{Name}\" is incompatible with the layer: {what}");

    /// <summary>Throws unless the per-sample input has <paramref name="rank"/> axes (batch excluded).</summary>
    protected void RequireRank(int[] inputShape, int rank, string layout)
    {
        if (inputShape.Length != rank)
            throw Incompatible($"expected ndim={rank + 1} {layout}, found ndim={inputShape.Length + 1}. Full shape received: {WithBatch(inputShape)}.");
    }

    /// <summary>Formats a per-sample shape with Keras's unknown batch axis: (None, 1, 28, 28).</summary>
    public static string WithBatch(int[] shape) => Shape.Format([null, .. shape.Select(d => (int?)d)]);

    // ---- building ----------------------------------------------------------------------------

    /// <summary>Creates the weights for a per-sample input shape. Models call this with their dtype,
    /// device and a seed derived from the model seed and the layer's position; a layer used on its
    /// own builds from its first input with a seed derived from its name.</summary>
    public void Build(int[] inputShape, DType dtype = Tensors.DType.Float32, Device? device = null, ulong? seed = null)
    {
        if (Built)
        {
            if (!inputShape.AsSpan().SequenceEqual(BuiltInputShape))
                throw Incompatible($"expected shape {WithBatch(BuiltInputShape!)}, received {WithBatch(inputShape)} (the layer was already built for the former).");
            return;
        }
        ComputeOutputShape(inputShape);
        using (TensorScope.Untracked())
        {
            _building = (dtype, device ?? Device.Cpu, new Rng(seed ?? NameSeed()));
            try { BuildCore(inputShape); }
            finally { _building = null; }
        }
        BuiltInputShape = inputShape.ToArray();
    }

    /// <summary>Layers without weights that take several inputs record the first input's shape.</summary>
    private protected void MarkBuilt(int[] inputShape) => BuiltInputShape = inputShape.ToArray();

    /// <summary>Override to create weights with <see cref="AddWeight"/>.</summary>
    protected virtual void BuildCore(int[] inputShape)
    {
    }

    /// <summary>Creates a weight during <see cref="BuildCore"/>. fanIn/fanOut feed the variance-scaling
    /// initializers (Glorot, He).</summary>
    protected Variable AddWeight(string name, int[] shape, Initializer initializer, int fanIn = 1, int fanOut = 1, bool trainable = true)
    {
        var (dtype, device, rng) = _building ?? throw new InvalidOperationException($"{ClassName}.AddWeight may only be called from BuildCore.");
        var value = initializer.Create(new Shape(shape), fanIn, fanOut, dtype, device, rng);
        value.Name = $"{PathPrefix}{Name}/{name}";
        value.RequiresGrad = trainable && _trainable;
        var v = new Variable(this, name, value, trainable);
        _weights.Add(v);
        return v;
    }

    private ulong NameSeed()
    {
        // FNV-1a of the name: a stable seed for layers built outside a model.
        var h = 14695981039346656037UL;
        foreach (var ch in Name) h = (h ^ ch) * 1099511628211UL;
        return h;
    }

    // ---- calling -----------------------------------------------------------------------------

    /// <summary>Runs the layer on a batch (building it from this input if needed). In training mode
    /// each call draws a fresh seed for random masks from the layer's own stream.</summary>
    public Tensor Forward(Tensor x, bool training = false) =>
        Forward(x, new CallContext(training, training ? (_eagerRng ??= new Rng(NameSeed())).NextSeed() : 0));

    public Tensor Forward(Tensor x, CallContext context)
    {
        if (x.Rank < 1)
            throw Incompatible($"expected a batch axis first, received a scalar.");
        if (!Built || !x.Shape.AsSpan()[1..].SequenceEqual(BuiltInputShape)) // the per-step case allocates nothing
        {
            var sample = x.Shape.ToArray()[1..];
            if (Built) CheckBuiltShape(x.Shape, sample);
            else Build(sample, x.DType.IsFloating() ? x.DType : Tensors.DType.Float32, x.Device);
        }
        CheckDType(x, 0);
        return Call(x, context);
    }

    /// <summary>Mixed dtypes are refused with the layer's name and both dtypes, not deep in an op.</summary>
    private protected void CheckDType(Tensor x, int input)
    {
        if (DType is not { } own || !x.DType.IsFloating() || x.DType == own) return;
        throw Incompatible($"its weights are {own.Name()} but the input is {x.DType.Name()} (shape {x.Shape}). " +
                           $"A model computes in one dtype: build it with dtype: DType.{(x.DType == Tensors.DType.Float64 ? "Float64" : "Float32")}, or cast the input with x.To(DType.{(own == Tensors.DType.Float64 ? "Float64" : "Float32")}).", input);
    }

    private void CheckBuiltShape(Shape received, int[] sample)
    {
        var expected = BuiltInputShape!;
        if (sample.AsSpan().SequenceEqual(expected)) return;
        var hint = "";
        if (expected.Length == 3 && sample.Length == 3 && sample[2] == expected[0] && sample[0] == expected[1] && sample[1] == expected[2])
            hint = $" Engine images are channels-first (N, C, H, W); this input looks channels-last (N, H, W, C). Transpose it to {WithBatch(expected)}.";
        throw Incompatible($"expected shape {WithBatch(expected)}, received {received}.{hint}");
    }

    /// <summary>The computation, on a batch whose per-sample shape matches the built one.</summary>
    protected abstract Tensor Call(Tensor x, CallContext context);

    /// <summary>Functional API: applies the layer to a symbolic tensor, checking shapes without
    /// computing anything. Weights are created when the <see cref="Models.Model"/> is assembled.</summary>
    public SymbolicTensor Apply(SymbolicTensor input) => Apply([input]);

    /// <summary>Functional API for layers that take several inputs (Add, Concatenate, …):
    /// <c>new Add().Apply(a, b)</c>. Applying one layer several times shares its weights.</summary>
    public SymbolicTensor Apply(params IReadOnlyList<SymbolicTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var t in inputs) ArgumentNullException.ThrowIfNull(t, nameof(inputs));
        if (inputs.Count == 0) throw new ArgumentException($"Layer \"{Name}\" was applied to no inputs.", nameof(inputs));
        var shapes = inputs.Select(t => t.Shape).ToList();
        if (Built && this is not MergeLayer && !shapes[0].AsSpan().SequenceEqual(BuiltInputShape))
            throw Incompatible($"expected shape {WithBatch(BuiltInputShape!)}, received {WithBatch(shapes[0])}.");
        var dtypes = inputs.Select(t => t.DType).Distinct().ToList();
        if (dtypes.Count > 1)
            throw new ArgumentException($"Layer \"{Name}\" received inputs of different dtypes ({string.Join(", ", inputs.Select(t => t.DType.Name()))}); a model computes in one dtype, so give every Input the same dtype.");
        return new SymbolicTensor(OutputShapeFor(shapes), this, inputs.ToArray(), dtypes[0]);
    }

    // ---- several inputs (merge layers and nested models override these) ---------------------------

    /// <summary>Output shape for the per-sample input shapes of one application.</summary>
    internal virtual int[] OutputShapeFor(IReadOnlyList<int[]> inputShapes)
    {
        RequireOneInput(inputShapes.Count);
        return ComputeOutputShape(inputShapes[0]);
    }

    /// <summary>Builds for the per-sample input shapes of the first application.</summary>
    internal virtual void BuildFor(IReadOnlyList<int[]> inputShapes, DType dtype, Device device, ulong seed)
    {
        RequireOneInput(inputShapes.Count);
        Build(inputShapes[0], dtype, device, seed);
    }

    /// <summary>Runs one application on batches.</summary>
    internal virtual Tensor ForwardFor(IReadOnlyList<Tensor> inputs, CallContext context)
    {
        RequireOneInput(inputs.Count);
        return Forward(inputs[0], context);
    }

    private void RequireOneInput(int count)
    {
        if (count != 1)
            throw new ArgumentException($"Layer \"{Name}\" expects 1 input, but it received {count} input tensors. Layers that join tensors are Add, Subtract, Multiply, Average, Maximum, Minimum and Concatenate.");
    }

    // ---- configuration and devices ------------------------------------------------------------

    /// <summary>The constructor arguments as JSON (Keras's get_config), enough to rebuild the layer
    /// with <see cref="LayerRegistry.FromConfig"/>.</summary>
    public virtual JsonObject GetConfig()
    {
        var c = new JsonObject { ["name"] = Name, ["trainable"] = _trainable };
        if (InputShape is not null) c["input_shape"] = ConfigJson.Ints(InputShape);
        return c;
    }

    /// <summary>Moves every weight to <paramref name="device"/> (new tensors; values copied).</summary>
    internal virtual void MoveTo(Device device)
    {
        using var untracked = TensorScope.Untracked();
        foreach (var w in _weights)
        {
            if (w.Value.Device == device) continue;
            var old = w.Value;
            var moved = old.To(device);
            moved.Name = old.Name;
            moved.RequiresGrad = old.RequiresGrad;
            w.Value = moved;
            old.Dispose();
        }
    }

    public override string ToString() => $"<{ClassName} name={Name}, built={Built}>";

    /// <summary>Keras's to_snake_case: "MaxPooling2D" → "max_pooling2d".</summary>
    public static string ToSnakeCase(string name)
    {
        var s = FirstCap().Replace(name, "$1_$2");
        return LowerUpper().Replace(s, "$1_$2").ToLowerInvariant();
    }

    [GeneratedRegex("(.)([A-Z][a-z]+)")]
    private static partial Regex FirstCap();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex LowerUpper();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.\-]*$")]
    private static partial Regex ValidName();
}
