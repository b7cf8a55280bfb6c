using System.Diagnostics;
using Engine.Callbacks;
using Engine.Losses;
using Engine.Tensors;

namespace Engine.Models;

public partial class Model
{
    /// <summary>Trains a single-output model on arrays, like Keras's fit: x is (N, C, H, W) or
    /// (N, features); y is int32 labels (N) or one-hot / multi-hot (N, C). validationSplit holds out
    /// the last fraction of the samples (before shuffling), as Keras does. classWeight maps class →
    /// weight (see README for multi-label targets); sampleWeight is (N). The shuffle order and
    /// dropout masks come from the model's training random stream (seeded by <paramref name="seed"/>
    /// when given). Progress goes to <paramref name="output"/> (Console.Out by default).</summary>
    public History Fit(Tensor x, Tensor y, int batchSize = 32, int epochs = 1, int verbose = 1, IEnumerable<Callback>? callbacks = null,
        double validationSplit = 0, (Tensor X, Tensor Y)? validationData = null, bool shuffle = true,
        IReadOnlyDictionary<int, double>? classWeight = null, Tensor? sampleWeight = null, int initialEpoch = 0,
        ulong? seed = null, TextWriter? output = null)
    {
        var name = SingleOutputName("Fit");
        return Fit(x, new Dictionary<string, Tensor> { [name] = y }, batchSize, epochs, verbose, callbacks, validationSplit,
            validationData is { } v ? (v.X, new Dictionary<string, Tensor> { [name] = v.Y }) : null,
            shuffle, classWeight, sampleWeight, initialEpoch, seed, output);
    }

    /// <summary>Trains a multi-output model on arrays: one target array per output name.</summary>
    public History Fit(Tensor x, IReadOnlyDictionary<string, Tensor> y, int batchSize = 32, int epochs = 1, int verbose = 1,
        IEnumerable<Callback>? callbacks = null, double validationSplit = 0,
        (Tensor X, IReadOnlyDictionary<string, Tensor> Y)? validationData = null, bool shuffle = true,
        IReadOnlyDictionary<int, double>? classWeight = null, Tensor? sampleWeight = null, int initialEpoch = 0,
        ulong? seed = null, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Fit([x], y, batchSize, epochs, verbose, callbacks, validationSplit,
            validationData is { } v ? ([v.X], v.Y) : null, shuffle, classWeight, sampleWeight, initialEpoch, seed, output);
    }

    /// <summary>Trains a model with several inputs: one array per input (in the order of
    /// <see cref="Inputs"/>) and one target array per output name.</summary>
    public History Fit(IReadOnlyList<Tensor> x, IReadOnlyDictionary<string, Tensor> y, int batchSize = 32, int epochs = 1, int verbose = 1,
        IEnumerable<Callback>? callbacks = null, double validationSplit = 0,
        (IReadOnlyList<Tensor> X, IReadOnlyDictionary<string, Tensor> Y)? validationData = null, bool shuffle = true,
        IReadOnlyDictionary<int, double>? classWeight = null, Tensor? sampleWeight = null, int initialEpoch = 0,
        ulong? seed = null, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
        if (validationSplit > 0 && validationData is not null)
            throw new ArgumentException("Pass either validationSplit or validationData, not both.");
        CheckCardinality(x, y, sampleWeight);
        CheckLabels(y);
        var (hx, hy, hsw) = (x.Select(HostRows.OnHost).ToArray(), y.ToDictionary(kv => kv.Key, kv => HostRows.OnHost(kv.Value)), sampleWeight is null ? null : HostRows.OnHost(sampleWeight));
        IBatchSource? val = null;
        if (validationSplit > 0)
        {
            var n = hx[0].Shape[0];
            var split = (int)(n * (1 - validationSplit));
            if (split == 0 || split == n)
                throw new ArgumentException($"validationSplit={validationSplit} leaves {split} training and {n - split} validation samples out of {n}; both must be non-empty.");
            val = new ArraySource(hx.Select(t => HostRows.Slice(t, split, n - split)).ToArray(), hy.ToDictionary(kv => kv.Key, kv => HostRows.Slice(kv.Value, split, n - split)),
                hsw is null ? null : HostRows.Slice(hsw, split, n - split), batchSize, shuffle: false);
            (hx, hy, hsw) = (hx.Select(t => HostRows.Slice(t, 0, split)).ToArray(), hy.ToDictionary(kv => kv.Key, kv => HostRows.Slice(kv.Value, 0, split)), hsw is null ? null : HostRows.Slice(hsw, 0, split));
        }
        else if (validationData is { } v)
        {
            CheckCardinality(v.X, v.Y, null, "validation ");
            val = new ArraySource(v.X.Select(HostRows.OnHost).ToArray(), v.Y.ToDictionary(kv => kv.Key, kv => HostRows.OnHost(kv.Value)), null, batchSize, shuffle: false);
        }
        return FitCore(new ArraySource(hx, hy, hsw, batchSize, shuffle), val, epochs, verbose, callbacks, classWeight, initialEpoch, seed, output);
    }

    /// <summary>Trains on a dataset (image folders, generated data, …). For a multi-output model,
    /// <paramref name="targets"/> maps the dataset's Y to one target per output name.</summary>
    public History Fit(IDataset data, int epochs = 1, int verbose = 1, IEnumerable<Callback>? callbacks = null, IDataset? validationData = null,
        IReadOnlyDictionary<int, double>? classWeight = null, int initialEpoch = 0, ulong? seed = null, TextWriter? output = null,
        Func<Tensor, IReadOnlyDictionary<string, Tensor>>? targets = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var name = targets is null ? SingleOutputName("Fit on a dataset without a targets mapping") : "";
        return FitCore(new DatasetSource(data, name, targets), validationData is null ? null : new DatasetSource(validationData, name, targets),
            epochs, verbose, callbacks, classWeight, initialEpoch, seed, output);
    }

    private History FitCore(IBatchSource train, IBatchSource? validation, int epochs, int verbose, IEnumerable<Callback>? callbacks,
        IReadOnlyDictionary<int, double>? classWeight, int initialEpoch, ulong? seed, TextWriter? output)
    {
        RequireCompiled("training");
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be >= 0.");
        if (initialEpoch < 0) throw new ArgumentOutOfRangeException(nameof(initialEpoch), initialEpoch, "initialEpoch must be >= 0.");
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch).");
        if (classWeight is not null && _heads!.Count > 1)
            throw new ArgumentException("classWeight is only supported for models with a single output; use sample weights for multi-output models.", nameof(classWeight));

        var history = new History();
        var user = (callbacks ?? []).ToList();
        var all = new List<Callback>();
        if (verbose > 0) all.Add(new ProgressLogger(output ?? Console.Out, verbose));
        all.AddRange(user);
        all.Add(history);
        var list = new CallbackList(all);
        list.Attach(this, new FitParams(epochs, train.BatchCount, verbose), output ?? Console.Out);

        if (seed is { } s) TrainingRng = new Rng(s);
        StopTraining = false;
        ResumeEpoch = null;
        list.OnTrainBegin();
        var first = ResumeEpoch ?? initialEpoch;
        ResumeEpoch = null;

        Dictionary<string, double> logs = [];
        for (var epoch = first; epoch < epochs && !StopTraining; epoch++)
        {
            list.OnEpochBegin(epoch);
            RunEpoch(train, epoch, classWeight, list);
            logs = ReadLogs();
            if (validation is not null)
                foreach (var (k, v) in EvaluateCore(validation, "val_")) logs[k] = v;
            Epoch = epoch + 1;
            list.OnEpochEnd(epoch, logs);
        }
        list.OnTrainEnd(logs);
        return history;
    }

    private void RunEpoch(IBatchSource train, int epoch, IReadOnlyDictionary<int, double>? classWeight, CallbackList list)
    {
        ResetMetrics();
        var step = 0;
        foreach (var b in train.Batches(epoch, TrainingRng))
        {
            list.OnTrainBatchBegin(step);
            TrainBatch(b, classWeight);
            b.Release();
            list.OnTrainBatchEnd(step, new LazyLogs(() => ReadLogs()));
            step++;
            if (StopTraining) break;
        }
    }

    private string SingleOutputName(string what)
    {
        if (!Built) return OutputNames.Count == 1 ? OutputNames[0] : "output";
        if (OutputNames.Count != 1)
            throw new ArgumentException($"{what}: model '{Name}' has {OutputNames.Count} outputs ({string.Join(", ", OutputNames)}); give targets as a dictionary by output name.");
        return OutputNames[0];
    }

    /// <summary>Checks all sparse labels before training starts (Fit on arrays fails fast).</summary>
    private void CheckLabels(IReadOnlyDictionary<string, Tensor> y)
    {
        if (_heads is null || !Built) return;
        foreach (var h in _heads)
        {
            if (h.Loss is not SparseCategoricalCrossentropy || !OutputShapes.TryGetValue(h.Name, out var shape) || shape.Length != 1) continue;
            var t = y.TryGetValue(h.Name, out var own) ? own : y.Count == 1 ? y.Values.First() : null;
            if (t is null || t.Device.IsCuda) continue;
            var labels = t.DType == DType.Int32 ? t.ToArray<int>() : t.ToDoubleArray().Select(v => (int)v).ToArray();
            SparseCategoricalCrossentropy.CheckRange(labels, shape[0]);
        }
    }

    private static void CheckCardinality(Tensor x, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight, string what = "") =>
        CheckCardinality([x], y, sampleWeight, what);

    private static void CheckCardinality(IReadOnlyList<Tensor> xs, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight, string what = "")
    {
        if (xs.Count == 0) throw new ArgumentException($"{what}x must hold one array per model input; received none.");
        foreach (var t in xs)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(xs));
            if (t.Rank == 0) throw new ArgumentException($"{what}x must have a batch axis; received a scalar.");
        }
        var x = xs[0];
        var sizes = new List<string> { xs.Count == 1 ? $"'{what}x' sizes: {x.Shape[0]}" : $"'{what}x' sizes: {string.Join(", ", xs.Select(t => t.Shape[0]))}" };
        var ok = xs.All(t => t.Shape[0] == x.Shape[0]);
        foreach (var (k, t) in y)
        {
            var n = t.Rank == 0 ? 0 : t.Shape[0];
            sizes.Add(y.Count == 1 ? $"'{what}y' sizes: {n}" : $"'{what}y[{k}]' sizes: {n}");
            ok &= n == x.Shape[0];
        }
        if (sampleWeight is not null)
        {
            sizes.Add($"'sample_weight' sizes: {sampleWeight.Size}");
            ok &= sampleWeight.Rank == 1 && sampleWeight.Size == x.Shape[0];
        }
        if (!ok)
            throw new ArgumentException($"Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. {string.Join(", ", sizes)}.");
    }
}
