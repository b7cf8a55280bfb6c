using Engine.Backends;
using Engine.Layers;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>A network of layers from one input to one or more named outputs (Keras's functional
/// Model). Hierarchical labels use a shared trunk and several heads:
/// <code>
/// var input = new Input(1, 28, 28);
/// var trunk = new Flatten().Apply(new Conv2D(32, 3, activation: "relu").Apply(input));
/// var model = new Model(input, new Dictionary&lt;string, SymbolicTensor&gt;
/// {
///     ["coarse"] = new Dense(2, activation: "softmax").Apply(trunk),
///     ["fine"] = new Dense(10, activation: "softmax").Apply(trunk),
/// });
/// </code>
/// Weights are created when the model is assembled, on the CPU, seeded from <see cref="Seed"/> and each
/// layer's position (Keras draws a fresh seed per run unless one is set). The model runs on the device
/// of its weights: <see cref="To"/> or <c>Compile(device: …)</c>.</summary>
public partial class Model : IDisposable
{
    /// <summary>Seed used when none is given: models are reproducible by default.</summary>
    public const ulong DefaultSeed = 42;

    private readonly List<GraphNode> _nodes = [];
    private readonly List<(string Name, int Node)> _outputs = [];
    private Input? _input;
    private Device _device = Device.Cpu;
    private bool _disposed;

    public Model(Input input, SymbolicTensor output, string? name = null, ulong seed = DefaultSeed)
        : this(name ?? "functional", seed)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        Assemble(input, [(null, output)]);
    }

    public Model(Input input, IReadOnlyDictionary<string, SymbolicTensor> outputs, string? name = null, ulong seed = DefaultSeed)
        : this(name ?? "functional", seed)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count == 0) throw new ArgumentException("A model needs at least one output.", nameof(outputs));
        Assemble(input, outputs.Select(kv => ((string?)kv.Key, kv.Value)).ToList());
    }

    protected Model(string name, ulong seed)
    {
        Name = name;
        Seed = seed;
    }

    public string Name { get; }

    /// <summary>Seeds weight initialization (per layer position) and, unless Fit gets its own seed,
    /// shuffling and dropout.</summary>
    public ulong Seed { get; }

    /// <summary>Where the weights live; batches are moved here by Fit, Evaluate and Predict.</summary>
    public Device Device => _device;

    /// <summary>Whether the weights exist (the input shape is known).</summary>
    public bool Built => InputShape is not null;

    /// <summary>Per-sample input shape (channels-first), once known.</summary>
    public int[]? InputShape { get; private set; }

    /// <summary>The input layer (null for a Sequential started without one).</summary>
    public Input? Input => _input;

    /// <summary>Layers in graph order, each once (the Input excluded).</summary>
    public IReadOnlyList<Layer> Layers => _nodes.Select(n => n.Layer).Distinct().ToList();

    /// <summary>Output names in order; a single-output model's output is named after its last layer.</summary>
    public IReadOnlyList<string> OutputNames => _outputs.Select(o => o.Name).ToList();

    /// <summary>Per-sample shape of each output.</summary>
    public IReadOnlyDictionary<string, int[]> OutputShapes => _outputs.ToDictionary(o => o.Name, o => _nodes[o.Node].OutputShape);

    internal IReadOnlyList<GraphNode> Nodes => _nodes;

    internal IReadOnlyList<(string Name, int Node)> OutputNodes => _outputs;

    public Layer GetLayer(string name) =>
        Layers.FirstOrDefault(l => l.Name == name)
        ?? throw new ArgumentException($"No such layer: '{name}'. Existing layers are: {string.Join(", ", Layers.Select(l => l.Name))}.", nameof(name));

    // ---- weights -----------------------------------------------------------------------------

    /// <summary>Every weight (trainable first within each layer, as created), in layer order.</summary>
    public IReadOnlyList<Variable> Weights => Layers.SelectMany(l => l.Weights).ToList();

    /// <summary>The tensors the optimizer updates, in a fixed order (the optimizer keys its state by
    /// position, so recompile after changing <see cref="Layer.Trainable"/>, as in Keras).</summary>
    public IReadOnlyList<Tensor> TrainableWeights => Layers.SelectMany(l => l.TrainableWeights).Select(v => v.Value).ToList();

    public IReadOnlyList<Tensor> NonTrainableWeights => Layers.SelectMany(l => l.NonTrainableWeights).Select(v => v.Value).ToList();

    public long CountParams() => Layers.Sum(l => l.CountParams());

    /// <summary>Moves the weights (and optimizer state) to <paramref name="device"/>; later batches
    /// are moved there automatically. Returns this model.</summary>
    public Model To(Device device)
    {
        BackendRegistry.For(device);
        if (device == _device) return this;
        var state = _optimizer is not null && Built ? OptimizerStateOnHost() : null;
        ResetCudaGraphs();
        ReleaseArena();
        foreach (var layer in Layers) layer.MoveTo(device);
        _device = device;
        if (state is not null) RestoreOptimizerState(state);
        return this;
    }

    // ---- assembling ----------------------------------------------------------------------------

    private void Assemble(Input input, IReadOnlyList<(string? Name, SymbolicTensor Tensor)> outputs)
    {
        _input = input;
        var index = new Dictionary<SymbolicTensor, int>(ReferenceEqualityComparer.Instance);
        var order = new List<SymbolicTensor>();

        void Visit(SymbolicTensor t)
        {
            if (ReferenceEquals(t, input.Output) || index.ContainsKey(t)) return;
            if (t.Parent is null)
                throw new ArgumentException($"An output depends on input '{t.Layer.Name}', which is not this model's input '{input.Name}'. Models have a single Input.");
            Visit(t.Parent);
            index[t] = order.Count;
            order.Add(t);
        }

        foreach (var (_, t) in outputs) Visit(t);
        foreach (var t in order)
            _nodes.Add(new GraphNode(t.Layer, ReferenceEquals(t.Parent, input.Output) ? -1 : index[t.Parent!], t.Shape));
        NameLayers();
        foreach (var (name, t) in outputs)
        {
            if (ReferenceEquals(t, input.Output))
                throw new ArgumentException("An output of the model is its input itself; apply at least one layer.");
            var node = index[t];
            var outName = name ?? _nodes[node].Layer.Name;
            if (_outputs.Any(o => o.Name == outName)) throw new ArgumentException($"Output name '{outName}' is used twice.");
            _outputs.Add((outName, node));
        }
        BuildLayers(input.Shape);
    }

    /// <summary>Gives auto-named layers names unique within the model ("dense", "dense_1", …) and
    /// rejects duplicate explicit names, as Keras does.</summary>
    private protected void NameLayers()
    {
        var layers = new List<Layer>();
        if (_input is not null) layers.Add(_input);
        layers.AddRange(_nodes.Select(n => n.Layer).Distinct());
        var taken = new HashSet<string>();
        foreach (var l in layers.Where(l => !l.AutoNamed))
            if (!taken.Add(l.Name))
                throw new ArgumentException($"All layer names should be unique; '{l.Name}' is used by more than one layer.");
        foreach (var l in layers.Where(l => l.AutoNamed))
        {
            var name = l.Name;
            for (var k = 1; taken.Contains(name); k++) name = $"{l.Name}_{k}";
            taken.Add(name);
            l.AssignName(name);
        }
    }

    /// <summary>Creates every layer's weights for the given per-sample input shape.</summary>
    private protected void BuildLayers(int[] inputShape)
    {
        var shapes = new int[_nodes.Count][];
        var built = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            var inShape = node.Parent < 0 ? inputShape : shapes[node.Parent];
            shapes[i] = node.Layer.ComputeOutputShape(inShape);
            if (built.Add(node.Layer))
                node.Layer.Build(inShape, DType.Float32, _device, CounterRng.Hash(Seed, (uint)built.Count));
        }
        InputShape = inputShape.ToArray();
    }

    private protected void ResetGraph(Input? input)
    {
        _nodes.Clear();
        _outputs.Clear();
        _input = input;
        InputShape = null;
    }

    private protected void AddNode(GraphNode node) => _nodes.Add(node);

    private protected void SetSingleOutput() => _outputs.Add((_nodes[^1].Layer.Name, _nodes.Count - 1));

    // ---- running -----------------------------------------------------------------------------

    /// <summary>Runs a single-output model on a batch (moved to the model's device if needed).</summary>
    public Tensor Forward(Tensor x, bool training = false)
    {
        if (Built && _outputs.Count != 1)
            throw new InvalidOperationException($"Model '{Name}' has {_outputs.Count} outputs ({string.Join(", ", OutputNames)}); use ForwardAll.");
        return ForwardAll(x, training).Values.Single();
    }

    /// <summary>Runs the model and returns every output by name. In training mode dropout draws its
    /// mask from the model's training random stream.</summary>
    public IReadOnlyDictionary<string, Tensor> ForwardAll(Tensor x, bool training = false) =>
        Run(x, new CallContext(training, training ? TrainingRng.NextSeed() : 0));

    internal IReadOnlyDictionary<string, Tensor> Run(Tensor x, CallContext context)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EnsureBuilt(x);
        CheckInput(x);
        if (x.Device != _device) x = x.To(_device);
        var values = new Tensor[_nodes.Count];
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            var input = node.Parent < 0 ? x : values[node.Parent];
            values[i] = node.Layer.Forward(input, context with { Seed = CounterRng.Hash(context.Seed, (uint)i) });
        }
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, node) in _outputs) result[name] = values[node];
        return result;
    }

    /// <summary>A Sequential without a declared input shape builds here from the first batch.</summary>
    private protected virtual void EnsureBuilt(Tensor x)
    {
    }

    private void CheckInput(Tensor x)
    {
        var expected = InputShape!;
        var sample = x.Rank >= 1 ? x.Shape.ToArray()[1..] : [];
        if (x.Rank >= 1 && sample.AsSpan().SequenceEqual(expected)) return;
        var first = _nodes.Count > 0 ? _nodes[0].Layer.Name : Name;
        var hint = expected.Length == 3 && sample.Length == 3 && sample[2] == expected[0] && sample[0] == expected[1] && sample[1] == expected[2]
            ? $" Engine images are channels-first (N, C, H, W); this input looks channels-last (N, H, W, C). Transpose it to {Layer.WithBatch(expected)}."
            : "";
        throw new ArgumentException(
            $"Input 0 of layer \"{first}\" is incompatible with the layer: expected shape {Layer.WithBatch(expected)}, received {x.Shape}.{hint}");
    }

    /// <summary>Throws when not built, with Keras's advice.</summary>
    private protected void RequireBuilt()
    {
        if (!Built)
            throw new InvalidOperationException(
                $"This model has not yet been built. Build the model first by calling Build(inputShape), by starting it with an Input or an inputShape, or by calling it on a batch of data.");
    }

    public override string ToString() => $"<{GetType().Name} name={Name}, built={Built}, params={(Built ? CountParams() : 0)}>";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ReleaseArena();
        foreach (var w in Weights) w.Value.Dispose();
        DisposeTrainingState();
        GC.SuppressFinalize(this);
    }
}
