using Engine.Losses;
using Engine.Optimizers;
using Engine.Tensors;
using Engine.Training;

namespace Engine.Models;

public partial class Model
{
    /// <summary>The optimizer set by Compile.</summary>
    public Optimizer? Optimizer => Training?.Optimizer;

    public bool Compiled => Training is not null;

    /// <summary>What Compile set up (optimizer, heads, running loss) and the step built from it; null
    /// before Compile.</summary>
    internal TrainingStep? Training { get; private set; }

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
        var resolved = (optimizer ?? "rmsprop").Resolve();
        Training?.Dispose();
        Training = new TrainingStep(this, resolved, heads);
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

    private TrainingStep RequireCompiled(string what) =>
        Training ?? throw new InvalidOperationException($"You must call Compile() before using the model for {what}.");
}
