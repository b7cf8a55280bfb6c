using Engine.Autograd;
using Engine.Layers;
using Engine.Tensors;
using Engine.Training;

namespace Engine.Models;

public partial class Model
{
    /// <summary>Loss and metrics on arrays (Keras's evaluate(..., return_dict=True)): "loss" and each
    /// metric, per output for multi-output models.</summary>
    public Dictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32, Tensor? sampleWeight = null) =>
        Evaluate(x, new Dictionary<string, Tensor> { [SingleOutputName("Evaluate")] = y }, batchSize, sampleWeight);

    public Dictionary<string, double> Evaluate(Tensor x, IReadOnlyDictionary<string, Tensor> y, int batchSize = 32, Tensor? sampleWeight = null) =>
        Evaluate([x], y, batchSize, sampleWeight);

    /// <summary>Loss and metrics of a model with several inputs: one array per input, in the order of <see cref="Inputs"/>.</summary>
    public Dictionary<string, double> Evaluate(IReadOnlyList<Tensor> x, IReadOnlyDictionary<string, Tensor> y, int batchSize = 32, Tensor? sampleWeight = null)
    {
        var training = RequireCompiled("evaluation");
        return training.Evaluate(ArrayInputs.Unshuffled(x, y, sampleWeight, batchSize), "");
    }

    /// <summary>Loss and metrics over a dataset.</summary>
    public Dictionary<string, double> Evaluate(IDataset data, Func<Tensor, IReadOnlyDictionary<string, Tensor>>? targets = null)
    {
        var training = RequireCompiled("evaluation");
        var name = targets is null ? SingleOutputName("Evaluate on a dataset without a targets mapping") : "";
        return training.Evaluate(new DatasetSource(data, name, targets), "");
    }

    /// <summary>Inference on arrays in batches; returns a host tensor (N, ...) for a single-output model.</summary>
    public Tensor Predict(Tensor x, int batchSize = 32) => Predict([x], batchSize);

    /// <summary>Inference for a single-output model with one array per input.</summary>
    public Tensor Predict(IReadOnlyList<Tensor> x, int batchSize = 32)
    {
        var all = PredictAll(x, batchSize);
        if (all.Count != 1)
            throw new InvalidOperationException($"Model '{Name}' has {all.Count} outputs ({string.Join(", ", all.Keys)}); use PredictAll.");
        return all.Values.Single();
    }

    /// <summary>Inference on arrays in batches; one host tensor per output name.</summary>
    public Dictionary<string, Tensor> PredictAll(Tensor x, int batchSize = 32) => PredictAll([x], batchSize);

    /// <summary>Inference with one array per input; one host tensor per output name.</summary>
    public Dictionary<string, Tensor> PredictAll(IReadOnlyList<Tensor> x, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (x.Count == 0 || x.Any(t => t is null || t.Rank == 0)) throw new ArgumentException("Predict needs one array per input, each with a batch axis.", nameof(x));
        if (x.Any(t => t.Shape[0] != x[0].Shape[0]))
            throw new ArgumentException($"Data cardinality is ambiguous: the inputs have {string.Join(", ", x.Select(t => t.Shape[0]))} samples; make sure all arrays contain the same number of samples.", nameof(x));
        var hosts = x.Select(HostRows.OnHost).ToArray();
        var host = hosts[0];
        var parts = new Dictionary<string, List<Tensor>>();
        using (Tape.NoGrad())
        {
            for (var start = 0; start < host.Shape[0]; start += batchSize)
            {
                using var step = TensorRecycler.BeginStep(); // the batch's temporaries are recycled (not the kept copies)
                using var scope = TensorScope.Rent();
                var batch = hosts.Select(h => HostRows.Slice(h, start, Math.Min(batchSize, host.Shape[0] - start))).ToArray();
                foreach (var (name, y) in Run(batch, CallContext.Inference))
                {
                    var onHost = scope.Keep(y.Device.IsCuda ? y.To(Device.Cpu) : Copy(y));
                    if (!parts.TryGetValue(name, out var list)) parts[name] = list = [];
                    list.Add(onHost);
                }
            }
        }
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, list) in parts)
        {
            result[name] = list.Count == 1 ? list[0] : HostRows.Concat(list);
            if (list.Count > 1) foreach (var t in list) t.Dispose();
        }
        return result;
    }

    /// <summary>Inference for a model with one input and one output, written into <paramref name="output"/>:
    /// a host tensor you own, of the prediction's shape (N, ...) and dtype. Unlike Predict it makes no
    /// result tensor, so a loop that reuses one output allocates no managed memory once warm (CPU).</summary>
    public void PredictInto(Tensor x, Tensor output, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(output);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (x.Rank == 0) throw new ArgumentException("PredictInto needs an array with a batch axis.", nameof(x));
        if (output.Device.IsCuda) throw new ArgumentException($"PredictInto writes into a host tensor; output is on {output.Device}.", nameof(output));
        var host = HostRows.OnHost(x);
        var n = host.Shape[0];
        var inputs = _oneInput ?? new Tensor[1];
        _oneInput = null;
        var results = _predictResults ?? new Dictionary<string, Tensor>(1);
        _predictResults = null;
        try
        {
            using var noGrad = Tape.NoGrad();
            for (var start = 0; start < n; start += batchSize)
            {
                var count = Math.Min(batchSize, n - start);
                using var step = TensorRecycler.BeginStep(); // the batch's temporaries are recycled
                using var scope = TensorScope.Rent();
                inputs[0] = start == 0 && count == n ? host : HostRows.Slice(host, start, count);
                Run(inputs, CallContext.Inference, results);
                if (results.Count != 1)
                    throw new InvalidOperationException($"Model '{Name}' has {results.Count} outputs; PredictInto serves single-output models (use PredictAll).");
                foreach (var y in results.Values) CopyRows(y, output, start, n);
            }
        }
        finally
        {
            inputs[0] = null!;
            _oneInput = inputs;
            results.Clear();
            _predictResults = results;
        }
    }

    private Dictionary<string, Tensor>? _predictResults;

    /// <summary>Writes batch prediction <paramref name="y"/> into rows from <paramref name="start"/> of
    /// <paramref name="output"/> (N = <paramref name="n"/> rows), after checking shape and dtype.</summary>
    private static void CopyRows(Tensor y, Tensor output, int start, int n)
    {
        if (output.DType != y.DType || output.Rank != y.Rank || output.Shape[0] != n || !output.Shape.AsSpan()[1..].SequenceEqual(y.Shape.AsSpan()[1..]))
            throw new ArgumentException($"PredictInto: output must be a {y.DType.Name()} tensor of shape ({n}{string.Concat(y.Shape.ToArray()[1..].Select(d => $", {d}"))}) for these predictions; received a {output.DType.Name()} tensor of shape {output.Shape}.", nameof(output));
        var width = y.Size / y.Shape[0];
        switch (y.DType)
        {
            case DType.Float32: CopyRows<float>(y, output, start * width); break;
            case DType.Float64: CopyRows<double>(y, output, start * width); break;
            default: CopyRows<int>(y, output, start * width); break;
        }
    }

    private static void CopyRows<T>(Tensor y, Tensor output, int offset) where T : unmanaged
    {
        var target = output.Span<T>().Slice(offset, y.Size);
        if (y.Device.IsCuda) y.Storage.CopyTo(y.Offset, target);
        else y.Span<T>().CopyTo(target);
    }

    private static Tensor Copy(Tensor t)
    {
        var c = Tensor.EmptyLike(t);
        t.Backend.Copy(t, c, t.Size);
        return c;
    }

    /// <summary>One optimizer step on one batch; returns that batch's loss and metrics (Keras's
    /// train_on_batch(..., return_dict=True)).</summary>
    public Dictionary<string, double> TrainOnBatch(Tensor x, Tensor y, Tensor? sampleWeight = null, IReadOnlyDictionary<int, double>? classWeight = null)
    {
        var logs = new Dictionary<string, double>();
        TrainOnBatchInto(logs, x, y, sampleWeight, classWeight);
        return logs;
    }

    public Dictionary<string, double> TrainOnBatch(Tensor x, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight = null, IReadOnlyDictionary<int, double>? classWeight = null)
    {
        var logs = new Dictionary<string, double>();
        TrainOnBatchInto(logs, x, y, sampleWeight, classWeight);
        return logs;
    }

    /// <summary><see cref="TrainOnBatch(Tensor, Tensor, Tensor?, IReadOnlyDictionary{int, double}?)"/>
    /// that writes the loss and metrics into <paramref name="logs"/> (cleared first) instead of a new
    /// dictionary: a loop of steps that reuses one dictionary allocates no managed memory per step
    /// on the CPU once warm.</summary>
    public void TrainOnBatchInto(Dictionary<string, double> logs, Tensor x, Tensor y, Tensor? sampleWeight = null, IReadOnlyDictionary<int, double>? classWeight = null)
    {
        ArgumentNullException.ThrowIfNull(y);
        var targets = _oneTarget ?? new Dictionary<string, Tensor>(1);
        _oneTarget = null; // a nested call (none today) would make its own
        try
        {
            targets[SingleOutputName("TrainOnBatch")] = y;
            TrainOnBatchInto(logs, x, targets, sampleWeight, classWeight);
        }
        finally
        {
            targets.Clear();
            _oneTarget = targets;
        }
    }

    /// <summary>The multi-output form of <see cref="TrainOnBatchInto(Dictionary{string, double}, Tensor, Tensor, Tensor?, IReadOnlyDictionary{int, double}?)"/>.</summary>
    public void TrainOnBatchInto(Dictionary<string, double> logs, Tensor x, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight = null, IReadOnlyDictionary<int, double>? classWeight = null)
    {
        ArgumentNullException.ThrowIfNull(logs);
        var training = RequireCompiled("training");
        ArrayInputs.CheckCardinality(x, y, sampleWeight);
        training.ResetMetrics();
        var inputs = _oneInput ?? new Tensor[1];
        _oneInput = null;
        try
        {
            inputs[0] = x;
            training.Train(new StepBatch(inputs, y, sampleWeight), classWeight);
        }
        finally
        {
            inputs[0] = null!;
            _oneInput = inputs;
        }
        training.ReadLogs(logs);
    }

    // A single batch's input array and target map, reused by the next TrainOnBatch (emptied after each).
    private Tensor[]? _oneInput;
    private Dictionary<string, Tensor>? _oneTarget;

    /// <summary>Loss and metrics of one batch without training.</summary>
    public Dictionary<string, double> TestOnBatch(Tensor x, Tensor y, Tensor? sampleWeight = null)
    {
        var training = RequireCompiled("evaluation");
        var targets = new Dictionary<string, Tensor> { [SingleOutputName("TestOnBatch")] = y };
        ArrayInputs.CheckCardinality(x, targets, sampleWeight);
        training.ResetMetrics();
        training.Test(new StepBatch([x], targets, sampleWeight));
        return training.ReadLogs();
    }
}
