using Engine.Backends;
using Engine.Layers;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>A network of layers from one or more inputs to one or more named outputs (Keras's
/// functional Model): any directed acyclic graph of layer applications. Layers may take several
/// inputs (Add, Concatenate, …), one layer applied twice shares its weights, and a model can be
/// applied as a layer of another (<see cref="Apply"/>). Hierarchical labels use a shared trunk and
/// several heads:
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
/// layer's position (Keras draws a fresh seed per run unless one is set), in the model's dtype (its
/// inputs' dtype unless <c>dtype:</c> says otherwise). The model runs on the device of its weights:
/// <see cref="To"/> or <c>Compile(device: …)</c>.</summary>
public partial class Model : IDisposable
{
    /// <summary>Seed used when none is given: models are reproducible by default.</summary>
    public const ulong DefaultSeed = 42;

    private readonly List<GraphNode> _nodes = [];
    private readonly List<(string Name, int Node)> _outputs = [];
    private readonly List<Input> _inputs = [];
    private Device _device = Device.Cpu;
    private bool _disposed;
    private NestedModel? _asLayer;

    public Model(Input input, SymbolicTensor output, string? name = null, ulong seed = DefaultSeed, DType? dtype = null)
        : this(name ?? "functional", seed, dtype)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        Assemble([input], [(null, output)]);
    }

    public Model(Input input, IReadOnlyDictionary<string, SymbolicTensor> outputs, string? name = null, ulong seed = DefaultSeed, DType? dtype = null)
        : this([input], outputs, name, seed, dtype)
    {
    }

    /// <summary>A model with several inputs and one output: <c>new Model([left, right], output)</c>.</summary>
    public Model(IReadOnlyList<Input> inputs, SymbolicTensor output, string? name = null, ulong seed = DefaultSeed, DType? dtype = null)
        : this(inputs, [output], name, seed, dtype)
    {
    }

    /// <summary>A model with several inputs; its outputs are named after their layers.
    /// <c>new Model([image, metadata], [classes, box])</c>.</summary>
    public Model(IReadOnlyList<Input> inputs, IReadOnlyList<SymbolicTensor> outputs, string? name = null, ulong seed = DefaultSeed, DType? dtype = null)
        : this(name ?? "functional", seed, dtype)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count == 0) throw new ArgumentException("A model needs at least one output.", nameof(outputs));
        Assemble(inputs, outputs.Select(o => ((string?)null, o)).ToList());
    }

    /// <summary>A model with several inputs and named outputs.</summary>
    public Model(IReadOnlyList<Input> inputs, IReadOnlyDictionary<string, SymbolicTensor> outputs, string? name = null, ulong seed = DefaultSeed, DType? dtype = null)
        : this(name ?? "functional", seed, dtype)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count == 0) throw new ArgumentException("A model needs at least one output.", nameof(outputs));
        Assemble(inputs, outputs.Select(kv => ((string?)kv.Key, kv.Value)).ToList());
    }

    protected Model(string name, ulong seed, DType? dtype = null)
    {
        if (dtype is { } d && !d.IsFloating())
            throw new ArgumentException($"A model's dtype must be float32 or float64; received {d.Name()}.", nameof(dtype));
        Name = name;
        Seed = seed;
        DeclaredDType = dtype;
    }

    public string Name { get; }

    /// <summary>Seeds weight initialization (per layer position) and, unless Fit gets its own seed,
    /// shuffling and dropout.</summary>
    public ulong Seed { get; }

    /// <summary>Where the weights live; batches are moved here by Fit, Evaluate and Predict.</summary>
    public Device Device => _device;

    /// <summary>The dtype the model computes in: float32 unless the constructor's <c>dtype:</c> or the inputs say float64.</summary>
    public DType DType => DeclaredDType ?? (_inputs.Count > 0 ? _inputs[0].InputDType : Tensors.DType.Float32);

    /// <summary>The <c>dtype:</c> given to the constructor, if any.</summary>
    private protected DType? DeclaredDType { get; }

    /// <summary>Whether the weights exist (the input shape is known).</summary>
    public bool Built => InputShapes is not null;

    /// <summary>Per-sample shape (channels-first, as the layers see it) of the first input, once known.</summary>
    public int[]? InputShape => InputShapes?[0];

    /// <summary>Per-sample shape of every input (channels-first), once known.</summary>
    public IReadOnlyList<int[]>? InputShapes { get; private set; }

    /// <summary>The first input layer (null for a Sequential started without one).</summary>
    public Input? Input => _inputs.Count > 0 ? _inputs[0] : null;

    /// <summary>Every input layer, in the order batches are passed.</summary>
    public IReadOnlyList<Input> Inputs => _inputs;

    /// <summary>Whether the model takes channels-last batches (its Input says so) and prints channels-last shapes.</summary>
    public bool IsChannelsLast => _inputs.Any(i => i.IsChannelsLast);

    /// <summary>Layers in graph order, each once (the Inputs excluded).</summary>
    public IReadOnlyList<Layer> Layers => _layers ??= _nodes.Select(n => n.Layer).Distinct().ToList().AsReadOnly();

    // Layers in graph order, computed once per graph (a training step asks for them every time).
    private IReadOnlyList<Layer>? _layers;

    /// <summary>Output names in order; an output is named after its layer unless named explicitly.</summary>
    public IReadOnlyList<string> OutputNames => _outputs.Select(o => o.Name).ToList();

    /// <summary>Per-sample shape of each output.</summary>
    public IReadOnlyDictionary<string, int[]> OutputShapes => _outputs.ToDictionary(o => o.Name, o => _nodes[o.Node].OutputShape);

    /// <summary>The name of the only output, or null when the model has several (no list is made).</summary>
    internal string? SingleOutputNameOrNull => _outputs.Count == 1 ? _outputs[0].Name : null;

    /// <summary>Per-sample shape of output <paramref name="name"/> (the model's own array: do not
    /// change it), or null when there is no such output.</summary>
    internal int[]? OutputShapeOf(string name)
    {
        foreach (var (n, node) in _outputs)
            if (n == name) return _nodes[node].OutputShape;
        return null;
    }

    internal IReadOnlyList<GraphNode> Nodes => _nodes;

    internal IReadOnlyList<(string Name, int Node)> OutputNodes => _outputs;

    public Layer GetLayer(string name) =>
        Layers.FirstOrDefault(l => l.Name == name)
        ?? throw new ArgumentException($"No such layer: '{name}'. Existing layers are: {string.Join(", ", Layers.Select(l => l.Name))}.", nameof(name));

    // ---- a model as a layer ------------------------------------------------------------------------

    /// <summary>This model as a layer of another model (the same layer every time, so applying the
    /// model twice shares its weights). Its weights are then named "model_name/layer/weight", and
    /// setting the layer's <see cref="Layer.Trainable"/> freezes or unfreezes every layer inside.</summary>
    public Layer AsLayer() => _asLayer ??= new NestedModel(this);

    /// <summary>Applies this model to symbolic tensors, as a layer of the model being built (Keras's
    /// <c>backbone(x)</c>): <c>var features = backbone.Apply(input);</c></summary>
    public SymbolicTensor Apply(params IReadOnlyList<SymbolicTensor> inputs) => AsLayer().Apply(inputs);

    /// <summary>Lets a model stand where a layer is expected: <c>new Sequential([backbone, new Dense(10)])</c>.</summary>
    public static implicit operator Layer(Model model) => model.AsLayer();

    // ---- weights -----------------------------------------------------------------------------

    /// <summary>Every weight (trainable first within each layer, as created), in layer order.</summary>
    public IReadOnlyList<Variable> Weights => Layers.SelectMany(l => l.Weights).ToList();

    /// <summary>The tensors the optimizer updates, in a fixed order (the optimizer keys its state by
    /// position, so recompile after changing <see cref="Layer.Trainable"/>, as in Keras).</summary>
    public IReadOnlyList<Tensor> TrainableWeights => Layers.SelectMany(l => l.TrainableWeights).Select(v => v.Value).ToList();

    /// <summary>Replaces the contents of <paramref name="into"/> with <see cref="TrainableWeights"/>,
    /// the same tensors in the same order, without allocating (a training step's parameter list).</summary>
    internal void TrainableWeightsInto(List<Tensor> into)
    {
        into.Clear();
        var layers = Layers;
        for (var i = 0; i < layers.Count; i++) layers[i].AddTrainableTensors(into);
    }

    public IReadOnlyList<Tensor> NonTrainableWeights => Layers.SelectMany(l => l.NonTrainableWeights).Select(v => v.Value).ToList();

    public long CountParams() => Layers.Sum(l => l.CountParams());

    /// <summary>Moves the weights (and optimizer state) to <paramref name="device"/>; later batches
    /// are moved there automatically. Returns this model.</summary>
    public Model To(Device device)
    {
        BackendRegistry.For(device);
        if (device == _device) return this;
        // GetState copies the optimizer's state to the host; SetState copies it to each weight's new device.
        var state = Training is not null && Built ? Training.Optimizer.GetState(TrainableWeights) : null;
        Training?.ResetGraphs();
        Arena.Dispose();
        foreach (var layer in Layers) layer.MoveTo(device);
        _device = device;
        if (state is null) return this;
        Training!.Optimizer.SetState(TrainableWeights, state);
        foreach (var t in state.Values) t.Dispose();
        return this;
    }

    // ---- assembling ----------------------------------------------------------------------------

    private void Assemble(IReadOnlyList<Input> inputs, IReadOnlyList<(string? Name, SymbolicTensor Tensor)> outputs)
    {
        if (inputs.Count == 0) throw new ArgumentException("A model needs at least one Input.", nameof(inputs));
        foreach (var input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input, nameof(inputs));
            if (_inputs.Contains(input)) throw new ArgumentException($"Input '{input.Name}' is given twice; pass each Input once.", nameof(inputs));
            _inputs.Add(input);
        }
        var dtypes = inputs.Select(i => i.InputDType).Distinct().ToList();
        if (dtypes.Count > 1 && DeclaredDType is null)
            throw new ArgumentException($"The model's inputs have different dtypes ({string.Join(", ", inputs.Select(i => $"{i.Name}: {i.InputDType.Name()}"))}); " +
                                        "a model computes in one dtype: give every Input the same dtype, or pass dtype: to the model.");

        var index = new Dictionary<SymbolicTensor, int>(ReferenceEqualityComparer.Instance);
        var order = new List<SymbolicTensor>();
        var visiting = new HashSet<SymbolicTensor>(ReferenceEqualityComparer.Instance);

        // Depth-first from the outputs: each tensor after everything it depends on (a topological order).
        void Visit(SymbolicTensor t)
        {
            if (t.Layer is Input source)
            {
                if (!_inputs.Contains(source))
                    throw new ArgumentException($"An output depends on input '{source.Name}', which is not among this model's inputs ({string.Join(", ", _inputs.Select(i => i.Name))}). Pass every Input the outputs need.");
                return;
            }
            if (index.ContainsKey(t)) return;
            if (!visiting.Add(t)) throw new ArgumentException($"The graph has a cycle through layer '{t.Layer.Name}'.");
            foreach (var p in t.Parents) Visit(p);
            index[t] = order.Count;
            order.Add(t);
        }

        foreach (var (_, t) in outputs)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(outputs));
            Visit(t);
        }
        int Ref(SymbolicTensor p) => p.Layer is Input source ? -1 - _inputs.IndexOf(source) : index[p];
        foreach (var t in order)
            AddNode(new GraphNode(t.Layer, t.Parents.Select(Ref).ToArray(), t.Shape));
        NameLayers();
        foreach (var (name, t) in outputs)
        {
            if (t.Layer is Input)
                throw new ArgumentException("An output of the model is one of its inputs itself; apply at least one layer.");
            var node = index[t];
            var outName = name ?? _nodes[node].Layer.Name;
            if (_outputs.Any(o => o.Name == outName)) throw new ArgumentException($"Output name '{outName}' is used twice.");
            _outputs.Add((outName, node));
            _reluFusion = null;
        }
        BuildLayers(_inputs.Select(i => i.LayerShape).ToList());
    }

    /// <summary>Gives auto-named layers names unique within the model ("dense", "dense_1", …) and
    /// rejects duplicate explicit names, as Keras does.</summary>
    private protected void NameLayers()
    {
        var layers = new List<Layer>();
        layers.AddRange(_inputs);
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

    /// <summary>Creates every layer's weights for the given per-sample input shapes (channels-first),
    /// in graph order; a layer applied more than once is built by its first application.</summary>
    private protected void BuildLayers(IReadOnlyList<int[]> inputShapes)
    {
        var shapes = new int[_nodes.Count][];
        var built = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            var inShapes = node.Parents.Select(p => p < 0 ? inputShapes[-1 - p] : shapes[p]).ToList();
            shapes[i] = node.Layer.OutputShapeFor(inShapes);
            var seed = CounterRng.Hash(Seed, (uint)(built.Count + (built.Contains(node.Layer) ? 0 : 1)));
            built.Add(node.Layer);
            node.Layer.BuildFor(inShapes, DType, _device, seed);
        }
        InputShapes = inputShapes.Select(s => s.ToArray()).ToList();
    }

    private protected void ResetGraph(Input? input)
    {
        _nodes.Clear();
        _layers = null;
        _reluFusion = null;
        _outputs.Clear();
        _inputs.Clear();
        if (input is not null) _inputs.Add(input);
        InputShapes = null;
    }

    private protected void AddNode(GraphNode node)
    {
        _nodes.Add(node);
        _layers = null;
        _reluFusion = null;
    }

    private protected void SetSingleOutput()
    {
        _outputs.Add((_nodes[^1].Layer.Name, _nodes.Count - 1));
        _reluFusion = null;
    }

    /// <summary>Number of batches a call takes (one per Input).</summary>
    public int InputCount => Math.Max(1, _inputs.Count);

    // ---- running -----------------------------------------------------------------------------

    /// <summary>Runs a single-output model on a batch (moved to the model's device if needed).</summary>
    public Tensor Forward(Tensor x, bool training = false) => Forward([x], training);

    /// <summary>Runs a single-output model on one batch per input.</summary>
    public Tensor Forward(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        if (Built && _outputs.Count != 1)
            throw new InvalidOperationException($"Model '{Name}' has {_outputs.Count} outputs ({string.Join(", ", OutputNames)}); use ForwardAll.");
        return ForwardAll(inputs, training).Values.Single();
    }

    /// <summary>Runs the model and returns every output by name. In training mode dropout draws its
    /// mask from the model's training random stream.</summary>
    public IReadOnlyDictionary<string, Tensor> ForwardAll(Tensor x, bool training = false) => ForwardAll([x], training);

    /// <summary>Runs a model with one batch per input and returns every output by name.</summary>
    public IReadOnlyDictionary<string, Tensor> ForwardAll(IReadOnlyList<Tensor> inputs, bool training = false) =>
        Run(inputs, new CallContext(training, training ? TrainingRng.NextSeed() : 0));

    internal IReadOnlyDictionary<string, Tensor> Run(Tensor x, CallContext context) => Run([x], context);

    /// <summary>Executes the nodes in their topological order (computed once, when the model was
    /// assembled); the tape records what ran, so backward follows the same graph in reverse.</summary>
    internal IReadOnlyDictionary<string, Tensor> Run(IReadOnlyList<Tensor> inputs, CallContext context)
    {
        var result = new Dictionary<string, Tensor>();
        Run(inputs, context, result);
        return result;
    }

    /// <summary><see cref="Run(IReadOnlyList{Tensor}, CallContext)"/> into a caller's dictionary
    /// (cleared first): with the model's scratch arrays reused, a step allocates nothing here.</summary>
    internal void Run(IReadOnlyList<Tensor> inputs, CallContext context, Dictionary<string, Tensor> result)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException($"Model '{Name}' needs {InputCount} input batch(es); received none.");
        EnsureBuilt(inputs[0]);
        if (inputs.Count != InputCount)
            throw new ArgumentException($"Model '{Name}' expects {InputCount} input(s) ({string.Join(", ", _inputs.Select(i => i.Name))}), but it received {inputs.Count} input tensors.");
        // One run's arrays, reused by the next run (a concurrent run on another thread makes its own).
        var scratch = Interlocked.Exchange(ref _runScratch, null);
        if (scratch is null || scratch.Values.Length != _nodes.Count || scratch.Inputs.Length != inputs.Count)
            scratch = new RunScratch(inputs.Count, _nodes);
        var (xs, values) = (scratch.Inputs, scratch.Values);
        for (var k = 0; k < inputs.Count; k++)
        {
            ArgumentNullException.ThrowIfNull(inputs[k], nameof(inputs));
            var x = inputs[k];
            CheckInput(k, x);
            if (x.Device != _device) x = x.To(_device);
            if (k < _inputs.Count && _inputs[k].IsChannelsLast) x = ChannelsLastToFirst(x);
            xs[k] = x;
        }
        try
        {
            var fused = _reluFusion ??= ReluFusion.Plan(_nodes, _outputs);
            for (var i = 0; i < _nodes.Count; i++)
            {
                var node = _nodes[i];
                var args = scratch.Args[i];
                for (var j = 0; j < args.Length; j++) args[j] = node.Parents[j] < 0 ? xs[-1 - node.Parents[j]] : values[node.Parents[j]];
                values[i] = node.Layer.ForwardFor(args, context with { Seed = CounterRng.Hash(context.Seed, (uint)i), FusedRelu = fused[i] });
                if (fused[i])
                {
                    values[i + 1] = values[i]; // node i + 1 is the ReLU that the batch norm just applied
                    i++;
                }
            }
            result.Clear();
            foreach (var (name, node) in _outputs) result[name] = values[node];
        }
        finally
        {
            scratch.Clear(); // keeps no tensor alive
            _runScratch = scratch;
        }
    }

    private RunScratch? _runScratch;

    /// <summary>Which nodes run with their ReLU fused (computed at the first run; reset when the graph changes).</summary>
    private bool[]? _reluFusion;

    /// <summary>A run's input, value and per-node argument arrays.</summary>
    private sealed class RunScratch(int inputs, List<GraphNode> nodes)
    {
        public readonly Tensor[] Inputs = new Tensor[inputs];
        public readonly Tensor[] Values = new Tensor[nodes.Count];
        public readonly Tensor[][] Args = nodes.Select(n => new Tensor[n.Parents.Length]).ToArray();

        public void Clear()
        {
            Array.Clear(Inputs);
            Array.Clear(Values);
            foreach (var a in Args) Array.Clear(a);
        }
    }

    /// <summary>A Sequential without a declared input shape builds here from the first batch.</summary>
    internal virtual void EnsureBuilt(Tensor x)
    {
    }

    /// <summary>The shape a batch for input <paramref name="k"/> must have, as the user writes it.</summary>
    private int[] DeclaredShape(int k) => k < _inputs.Count ? _inputs[k].Shape : InputShapes![k];

    private void CheckInput(int k, Tensor x)
    {
        var expected = DeclaredShape(k);
        if (x.Rank >= 1 && x.Shape.AsSpan()[1..].SequenceEqual(expected) && (!x.DType.IsFloating() || x.DType == DType)) return;
        ThrowBadInput(k, x, expected);
    }

    // Apart from CheckInput so that its lambda's closure is made only on this error path.
    private void ThrowBadInput(int k, Tensor x, int[] expected)
    {
        var sample = x.Rank >= 1 ? x.Shape.ToArray()[1..] : [];
        var who = _nodes.FirstOrDefault(n => n.Parents.Contains(-1 - k))?.Layer.Name ?? Name;
        if (x.Rank >= 1 && sample.AsSpan().SequenceEqual(expected))
        {
            throw new ArgumentException($"Input {k} of layer \"{who}\" is incompatible with the layer: the model computes in {DType.Name()} but the input is {x.DType.Name()}; " +
                                        $"cast it with x.To(DType.{(DType == Tensors.DType.Float64 ? "Float64" : "Float32")}) (Fit, Evaluate and Predict cast for you).");
        }
        var last = k < _inputs.Count && _inputs[k].IsChannelsLast;
        var hint = "";
        if (expected.Length == 3 && sample.Length == 3)
        {
            if (!last && sample[2] == expected[0] && sample[0] == expected[1] && sample[1] == expected[2])
                hint = $" Engine images are channels-first (N, C, H, W); this input looks channels-last (N, H, W, C). Transpose it to {Layer.WithBatch(expected)}, or declare the Input with dataFormat: \"channels_last\".";
            else if (last && sample[0] == expected[2] && sample[1] == expected[0] && sample[2] == expected[1])
                hint = $" This model's Input is channels_last (N, H, W, C); this input looks channels-first (N, C, H, W).";
        }
        throw new ArgumentException(
            $"Input {k} of layer \"{who}\" is incompatible with the layer: expected shape {Layer.WithBatch(expected)}, received {x.Shape}.{hint}");
    }

    /// <summary>(N, H, W, C) → (N, C, H, W), once at the input of a channels-last model.</summary>
    private static Tensor ChannelsLastToFirst(Tensor x) =>
        Autograd.Ops.Transpose(x, [0, x.Rank - 1, .. Enumerable.Range(1, x.Rank - 2)]);

    /// <summary>Throws when not built, with Keras's advice.</summary>
    private protected void RequireBuilt()
    {
        if (!Built)
            throw new InvalidOperationException(
                $"This model has not yet been built. Build the model first by calling Build(inputShape), by starting it with an Input or an inputShape, or by calling it on a batch of data.");
    }

    /// <summary>Prints Keras's summary table to <paramref name="output"/> (Console.Out by default):
    /// layers, output shapes, parameter counts (<see cref="SummaryTable"/>); with
    /// <paramref name="expandNested"/> the layers of nested models follow theirs, indented.</summary>
    public void Summary(TextWriter? output = null, bool expandNested = false)
    {
        var w = output ?? Console.Out;
        w.Write(GetSummary(expandNested));
        w.Flush();
    }

    /// <summary>The text that <see cref="Summary"/> prints.</summary>
    public string GetSummary(bool expandNested = false)
    {
        RequireBuilt();
        return SummaryTable.Render(this, expandNested);
    }

    public override string ToString() => $"<{GetType().Name} name={Name}, built={Built}, params={(Built ? CountParams() : 0)}>";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Arena.Dispose();
        foreach (var w in Weights) w.Value.Dispose();
        Training?.Dispose();
        GC.SuppressFinalize(this);
    }
}
