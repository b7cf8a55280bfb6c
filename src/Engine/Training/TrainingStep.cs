using System.Text.Json.Nodes;
using Engine.Autograd;
using Engine.Layers;
using Engine.Losses;
using Engine.Metrics;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Training;

/// <summary>What a compiled model trains with — its optimizer, one <see cref="Head"/> per output
/// (loss, loss weight, metrics) and the running total loss — and the steps built from them: a
/// training step (eager, or replayed from a CUDA graph when the model asks for graphs), a test
/// step, and the logs they accumulate. Made by Model.Compile; a recompile makes a new one.</summary>
internal sealed class TrainingStep(Model model, Optimizer optimizer, List<Head> heads) : IDisposable
{
    private readonly MeanTracker _totalLoss = new();
    private CapturedTrainingStep? _graphs;

    // Reused by every eager step so that a warm step allocates nothing of its own: the step's scope,
    // the parameter list, the outputs and targets by name (emptied after each step: they keep no
    // tensor alive).
    private TensorScope? _scope;
    private readonly List<Tensor> _parameters = [];
    private readonly Dictionary<string, Tensor> _outputs = [];
    private readonly Dictionary<string, Tensor> _targets = [];

    public Optimizer Optimizer { get; } = optimizer;

    /// <summary>Heads in output order; a Sequential compiled before it was built gets its real output
    /// name on first use.</summary>
    public List<Head> Heads
    {
        get
        {
            if (heads.Count == 1 && model.SingleOutputNameOrNull is { } only && heads[0].Name != only)
            {
                var h = heads[0];
                heads[0] = new Head(model.OutputNames[0], h.Loss, h.Weight, h.Specs);
                h.Dispose();
            }
            return heads;
        }
    }

    /// <summary>The running total loss of the epoch (its state goes into a mid-epoch backup).</summary>
    public MeanTracker TotalLoss => _totalLoss;

    public CudaGraphStats GraphStats => _graphs?.Stats ?? CudaGraphStats.None;

    /// <summary>Drops every captured graph; the next step starts over with a warm-up.</summary>
    public void ResetGraphs()
    {
        _graphs?.Dispose();
        _graphs = null;
    }

    /// <summary>One training step on a batch, in its own TensorScope: replayed from a CUDA graph when
    /// graphs are on and usable (<see cref="CapturedTrainingStep"/>), else eager.</summary>
    public void Train(StepBatch b, IReadOnlyDictionary<int, double>? classWeight)
    {
        var step = TensorRecycler.BeginStep(); // ends after the scope: its temporaries are recycled
        var scope = TensorScope.Reopen(ref _scope);
        try
        {
            if (CapturedTrainingStep.Wanted(model))
            {
                _graphs ??= new CapturedTrainingStep(model, this);
                if (_graphs.TryStep(b, classWeight)) return;
            }
            TrainEager(Prepare(b, classWeight));
        }
        finally
        {
            scope.Dispose();
            step.Dispose();
            _parameters.Clear();
            _outputs.Clear();
            _targets.Clear();
        }
    }

    /// <summary>Forward, weighted loss per head, backward, optimizer step, metrics.</summary>
    private void TrainEager(PreparedBatch p)
    {
        model.TrainableWeightsInto(_parameters);
        var parameters = model.Arena.Parameters(_parameters);
        model.Run(p.X, model.NextTrainingContext(), _outputs);
        var total = ComputeLoss(p, _outputs);
        total.Backward();
        Optimizer.Step(parameters);
        model.Arena.ZeroGradients(parameters);
        using (Tape.NoGrad()) UpdateMetrics(p, _outputs);
    }

    /// <summary>The part of a training step a CUDA graph holds: forward, weighted losses (and their
    /// trackers), backward into the gradient buffers, metrics. With <see cref="ApplyGradients"/> it
    /// gives the same results, in the same order, as the eager step.</summary>
    public void ForwardBackward(PreparedBatch p, CallContext context)
    {
        var outputs = model.Run(p.X, context);
        var total = ComputeLoss(p, outputs);
        total.Backward();
        using (Tape.NoGrad()) UpdateMetrics(p, outputs);
    }

    /// <summary>The optimizer step, then the gradient reset: zeroed in place when graphs need the
    /// buffers to stay where they are (one fill over the arena), else as the eager step does.</summary>
    public void ApplyGradients(IReadOnlyList<Tensor> parameters, bool keepGradients)
    {
        Optimizer.Step(parameters);
        if (keepGradients) Optimizer.ZeroGrad(parameters, setToNone: false);
        else model.Arena.ZeroGradients(parameters);
    }

    /// <summary>Forward in inference mode, losses and metrics, no gradients (own TensorScope).</summary>
    public void Test(StepBatch b)
    {
        using var step = TensorRecycler.BeginStep(); // disposed after the scope (declared first)
        using var scope = TensorScope.Rent();
        var p = Prepare(b, null);
        using var noGrad = Tape.NoGrad();
        var outputs = model.Run(p.X, CallContext.Inference);
        ComputeLoss(p, outputs);
        UpdateMetrics(p, outputs);
        _targets.Clear();
    }

    /// <summary>Checks a host batch, folds class weights into sample weights, and moves it to the
    /// model's device (inside the caller's TensorScope). With <paramref name="upload"/> false the
    /// tensors stay where they are (a captured step copies them into its own buffers).</summary>
    public PreparedBatch Prepare(StepBatch b, IReadOnlyDictionary<int, double>? classWeight, bool upload = true)
    {
        model.EnsureBuilt(b.X[0]);
        var heads = Heads;
        var device = model.Device;
        var n = b.X[0].Shape[0];
        var dtype = WeightDType();
        var y = _targets;
        y.Clear();
        Tensor? firstHostTarget = null;
        foreach (var h in heads)
        {
            if (!b.Y.TryGetValue(h.Name, out var t) && !(heads.Count == 1 && b.Y.Count == 1 && (t = b.Y.Values.First()) is not null))
                throw new ArgumentException($"No target for output '{h.Name}'; targets were given for: {string.Join(", ", b.Y.Keys)}.");
            if (t.Rank == 0 || t.Shape[0] != n)
                throw new ArgumentException($"Data cardinality is ambiguous: the batch has {n} inputs but {(t.Rank == 0 ? 0 : t.Shape[0])} targets for output '{h.Name}'. Make sure all arrays contain the same number of samples.");
            firstHostTarget ??= t;
            if (h.Loss is SparseCategoricalCrossentropy)
            {
                if (t.DType != DType.Int32) t = t.To(DType.Int32);
                if (!t.Device.IsCuda && model.OutputShapeOf(h.Name) is { Length: 1 } shape)
                    SparseCategoricalCrossentropy.CheckRange(t.Span<int>(), shape[0]);
            }
            else if (t.DType != dtype && t.DType.IsFloating()) t = t.To(dtype);
            y[h.Name] = !upload || t.Device == device ? t : t.To(device);
        }

        double[]? sw = b.SampleWeight is { } s ? HostRows.OnHost(s).ToDoubleArray() : null;
        if (sw is not null && sw.Length != n)
            throw new ArgumentException($"sample_weight has {sw.Length} values for a batch of {n} samples; give one weight per sample.");
        double[]? perElement = null;
        if (classWeight is not null)
        {
            var (perSample, elem) = ClassWeights.Compute(heads[0].Loss, HostRows.OnHost(firstHostTarget!), classWeight);
            perElement = elem;
            if (perSample is not null) sw = sw is null ? perSample : Times(sw, perSample);
        }
        var x = b.X;
        if (NeedsMoving(x, upload, device, dtype)) x = Moved(x, upload, device, dtype);
        var weightsOn = upload ? device : Device.Cpu;
        var swT = sw is null ? null : HostTensor(sw, Shape.Of(n), dtype, weightsOn);
        var ewT = perElement is null ? null : HostTensor(perElement, y[heads[0].Name].Shape, dtype, weightsOn);
        return new PreparedBatch(x, y, swT, ewT, n);
    }

    // The helpers below hold Prepare's lambdas: inside Prepare their closures would be made on every
    // call (C# creates them where the captured locals come into scope), also when not needed.

    private static Tensor[] Moved(IReadOnlyList<Tensor> x, bool upload, Device device, DType dtype) =>
        x.Select(t =>
        {
            if (upload && t.Device != device) t = t.To(device);
            return t.DType != dtype && t.DType.IsFloating() ? t.To(dtype) : t;
        }).ToArray();

    private static double[] Times(double[] a, double[] b) => a.Select((w, i) => w * b[i]).ToArray();

    private static Tensor HostTensor(double[] values, Shape shape, DType dtype, Device device) =>
        Tensor.FromHost(shape, dtype, device, i => values[i]);

    /// <summary>The dtype of the model's first weight (float32 for a model without weights).</summary>
    private DType WeightDType()
    {
        var layers = model.Layers;
        for (var i = 0; i < layers.Count; i++)
            if (layers[i].Weights is { Count: > 0 } w) return w[0].Value.DType;
        return DType.Float32;
    }

    private static bool NeedsMoving(IReadOnlyList<Tensor> x, bool upload, Device device, DType dtype)
    {
        for (var i = 0; i < x.Count; i++)
            if ((upload && x[i].Device != device) || (x[i].DType != dtype && x[i].DType.IsFloating())) return true;
        return false;
    }

    /// <summary>Σ weight_h · loss_h, tracking each head's loss and the total on the device.</summary>
    private Tensor ComputeLoss(PreparedBatch p, IReadOnlyDictionary<string, Tensor> outputs)
    {
        Tensor? total = null;
        var heads = Heads;
        foreach (var h in heads)
        {
            var loss = h.Loss.Compute(p.Y[h.Name], outputs[h.Name], p.SampleWeight, heads.Count == 1 ? p.ElementWeight : null);
            if (loss.Size != 1)
                throw new InvalidOperationException($"Loss '{h.Loss.Name}' returned shape {loss.Shape}; a loss must reduce to one value.");
            h.LossTracker.Add(loss, p.Size);
            var weighted = h.Weight == 1 ? loss : Ops.MulScalar(loss, h.Weight);
            total = total is null ? weighted : Ops.Add(total, weighted);
        }
        _totalLoss.Add(total!, p.Size);
        return total!;
    }

    /// <summary>Metrics see probabilities: when the loss takes logits, a sigmoid (binary) or softmax
    /// is applied first (Keras passes raw logits and leaves that to the user).</summary>
    private void UpdateMetrics(PreparedBatch p, IReadOnlyDictionary<string, Tensor> outputs)
    {
        foreach (var h in Heads)
        {
            if (h.Specs.Count == 0) continue;
            var pred = outputs[h.Name];
            if (h.Loss.FromLogits) pred = h.Loss.TargetKind == TargetKind.Binary ? Ops.Sigmoid(pred) : Ops.Softmax(pred);
            var yTrue = p.Y[h.Name];
            var metrics = h.Metrics(yTrue, pred);
            for (var i = 0; i < metrics.Count; i++) metrics[i].Update(yTrue, pred, p.SampleWeight);
        }
    }

    public void ResetMetrics()
    {
        _totalLoss.Reset();
        foreach (var h in Heads) h.Reset();
    }

    /// <summary>Reads the running loss means and metric results (one device sync).</summary>
    public Dictionary<string, double> ReadLogs(string prefix = "")
    {
        var logs = new Dictionary<string, double>();
        ReadLogs(logs, prefix);
        return logs;
    }

    /// <summary><see cref="ReadLogs(string)"/> into <paramref name="logs"/> (cleared first).</summary>
    public void ReadLogs(Dictionary<string, double> logs, string prefix = "")
    {
        var all = Heads;
        logs.Clear();
        logs[prefix + "loss"] = _totalLoss.Result();
        if (all.Count > 1)
            foreach (var h in all) logs[$"{prefix}{h.Name}_loss"] = h.LossTracker.Result();
        foreach (var h in all)
        {
            var metrics = h.ResolvedMetrics;
            for (var i = 0; i < metrics.Count; i++)
                logs[prefix + (all.Count > 1 ? h.Name + "_" : "") + metrics[i].Name] = metrics[i].Result();
        }
    }

    /// <summary>Runs a whole source through the test step and returns its logs.</summary>
    public Dictionary<string, double> Evaluate(IBatchSource source, string prefix)
    {
        ResetMetrics();
        foreach (var b in source.Batches(0, null))
        {
            Test(b);
            b.Release();
        }
        return ReadLogs(prefix);
    }

    /// <summary>The epoch's running loss sums and metric sums, for a mid-epoch backup: JSON (counts,
    /// target kinds, extents) and host tensors keyed "loss", "heads/{i}/loss", "heads/{i}/metrics/{j}"
    /// (the caller disposes them).</summary>
    public (JsonObject Values, Dictionary<string, Tensor> Tensors) SaveRunning()
    {
        var tensors = new Dictionary<string, Tensor>();
        JsonNode? Tracker(MeanTracker t, string key)
        {
            if (t.SaveState() is not { } s) return null;
            tensors[key] = s.Sum;
            return s.Count;
        }
        var all = Heads;
        var heads = new JsonArray();
        for (var i = 0; i < all.Count; i++)
        {
            var metrics = new JsonArray();
            var resolved = all[i].ResolvedMetrics;
            for (var j = 0; j < resolved.Count; j++)
            {
                var state = resolved[j].SaveState();
                if (state is { } m) tensors[$"heads/{i}/metrics/{j}"] = m.Sums;
                metrics.Add(state is { } e ? (JsonNode)e.Extent : null);
            }
            heads.Add((JsonNode)new JsonObject { ["loss_count"] = Tracker(all[i].LossTracker, $"heads/{i}/loss"), ["kind"] = all[i].Kind?.ToString(), ["metrics"] = metrics });
        }
        return (new JsonObject { ["loss_count"] = Tracker(_totalLoss, "loss"), ["heads"] = heads }, tensors);
    }

    /// <summary>Puts back what <see cref="SaveRunning"/> saved, so the epoch's logs come out as if it
    /// had never been interrupted. A mismatch is a <see cref="FormatException"/>.</summary>
    public void RestoreRunning(JsonObject values, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ResetMetrics();
        var device = model.Device;
        Tensor Get(string key) => tensors.TryGetValue(key, out var t) ? t : throw new FormatException($"the running value '{key}' is missing");
        void Tracker(MeanTracker t, JsonNode? count, string key)
        {
            if (count is not null) t.RestoreState(Get(key), count.GetValue<double>(), device);
        }
        Tracker(_totalLoss, values["loss_count"], "loss");
        var saved = values["heads"] as JsonArray ?? throw new FormatException("\"heads\" must be a list");
        var all = Heads;
        if (saved.Count != all.Count) throw new FormatException($"it holds running values for {saved.Count} outputs; the model has {all.Count}");
        for (var i = 0; i < all.Count; i++)
        {
            var h = all[i];
            var s = saved[i] as JsonObject ?? throw new FormatException("each output's running values must be an object");
            Tracker(h.LossTracker, s["loss_count"], $"heads/{i}/loss");
            if (s["kind"] is { } kind && h.Kind is null) h.Resolve(Enum.Parse<TargetKind>(kind.GetValue<string>()));
            var metrics = s["metrics"] as JsonArray ?? [];
            var resolved = h.ResolvedMetrics;
            if (metrics.Count != resolved.Count) throw new FormatException($"it holds {metrics.Count} running metrics for output '{h.Name}'; the model has {resolved.Count}");
            for (var j = 0; j < resolved.Count; j++)
                if (metrics[j] is { } extent) resolved[j].RestoreState(Get($"heads/{i}/metrics/{j}"), extent.GetValue<int>(), device);
        }
    }

    public void Dispose()
    {
        ResetGraphs();
        foreach (var h in heads) h.Dispose();
        _totalLoss.Dispose();
    }
}
