using Engine.Losses;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Models;

public partial class Model
{
    private Optimizer? _optimizer;
    private List<Head>? _heads;
    private MeanTracker? _totalLoss;

    /// <summary>The optimizer set by Compile.</summary>
    public Optimizer? Optimizer => _optimizer;

    public bool Compiled => _heads is not null;

    /// <summary>Configures training, like Keras's compile. <paramref name="loss"/> applies to every
    /// output; <paramref name="losses"/> gives one per output name instead (Keras's dict form),
    /// with <paramref name="lossWeights"/> weighting them in the total. <paramref name="metrics"/>
    /// are computed for every output, <paramref name="headMetrics"/> per output name. Names and
    /// objects are both accepted: <c>Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy",
    /// metrics: ["accuracy"])</c>. <paramref name="device"/> moves the model (as <see cref="To"/>).
    /// <paramref name="cudaGraphs"/> sets <see cref="UseCudaGraphs"/> (null leaves it as it is).</summary>
    public void Compile(OptimizerSpec? optimizer = null, Loss? loss = null, IEnumerable<MetricSpec>? metrics = null,
        Dictionary<string, Loss>? losses = null, Dictionary<string, double>? lossWeights = null,
        Dictionary<string, MetricSpec[]>? headMetrics = null, Device? device = null, bool? cudaGraphs = null)
    {
        if (loss is null && losses is null)
            throw new ArgumentException("Compile needs a loss: pass loss: (for every output) or losses: (one per output name).", nameof(loss));
        if (loss is not null && losses is not null)
            throw new ArgumentException("Pass either loss: or losses:, not both.", nameof(losses));
        if (!Built && OutputNames.Count == 0 && losses is not null)
            throw new InvalidOperationException("Per-output losses need a built model; build it first.");
        var names = OutputNames.Count > 0 ? OutputNames : ["output"];
        CheckKeys("losses", losses?.Keys, names);
        CheckKeys("lossWeights", lossWeights?.Keys, names);
        CheckKeys("headMetrics", headMetrics?.Keys, names);
        var shared = (metrics ?? []).ToList();
        if (names.Count > 1 && shared.Any(m => m.IsInstance))
            throw new ArgumentException("A metric object cannot be shared by several outputs; pass metric objects per output with headMetrics:, or use metric names.", nameof(metrics));

        var heads = new List<Head>();
        foreach (var name in names)
        {
            var l = loss ?? (losses!.TryGetValue(name, out var own) ? own
                : throw new ArgumentException($"No loss for output '{name}'. losses has: {string.Join(", ", losses.Keys)}; the outputs are: {string.Join(", ", names)}.", nameof(losses)));
            var w = lossWeights?.GetValueOrDefault(name, 1.0) ?? 1.0;
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentException($"lossWeights['{name}'] must be a finite number >= 0; received {w}.", nameof(lossWeights));
            var specs = headMetrics?.TryGetValue(name, out var own2) == true ? own2.ToList() : shared;
            heads.Add(new Head(name, l, w, specs));
        }
        DisposeTrainingState();
        _heads = heads;
        _totalLoss = new MeanTracker();
        _optimizer = (optimizer ?? "rmsprop").Resolve();
        if (cudaGraphs is { } graphs) UseCudaGraphs = graphs;
        if (device is { } d) To(d);
    }

    private static void CheckKeys(string what, IEnumerable<string>? keys, IReadOnlyList<string> names)
    {
        if (keys is null) return;
        foreach (var k in keys)
            if (!names.Contains(k))
                throw new ArgumentException($"{what} has a key '{k}' that is not an output of the model; the outputs are: {string.Join(", ", names)}.", what);
    }

    private void RequireCompiled(string what)
    {
        if (_heads is null)
            throw new InvalidOperationException($"You must call Compile() before using the model for {what}.");
    }

    /// <summary>Heads keyed by output name; a Sequential compiled before it was built gets its real
    /// output name on first use.</summary>
    private List<Head> Heads
    {
        get
        {
            var heads = _heads!;
            if (heads.Count == 1 && OutputNames.Count == 1 && heads[0].Name != OutputNames[0])
            {
                var h = heads[0];
                heads[0] = new Head(OutputNames[0], h.Loss, h.Weight, h.Specs);
                h.Dispose();
            }
            return heads;
        }
    }

    /// <summary>The optimizer's state as host copies (GetState already copies to the CPU).</summary>
    private IReadOnlyDictionary<string, Tensor> OptimizerStateOnHost() => _optimizer!.GetState(TrainableWeights);

    /// <summary>Puts host state back (SetState copies it to each parameter's device), then frees it.</summary>
    private void RestoreOptimizerState(IReadOnlyDictionary<string, Tensor> state)
    {
        _optimizer!.SetState(TrainableWeights, state);
        foreach (var t in state.Values) t.Dispose();
    }

    private void DisposeTrainingState()
    {
        ResetCudaGraphs();
        if (_heads is not null) foreach (var h in _heads) h.Dispose();
        _totalLoss?.Dispose();
    }
}
