using Engine.Autograd;
using Engine.Layers;
using Engine.Backends;
using Engine.Losses;
using Engine.Metrics;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>The training and evaluation step shared by Fit, Evaluate and TrainOnBatch.</summary>
public partial class Model
{
    private Rng? _trainingRng;

    /// <summary>The random stream of training (shuffling, dropout seeds). Saved in checkpoints, so a
    /// resumed Fit draws exactly what an uninterrupted one would have.</summary>
    internal Rng TrainingRng
    {
        get => _trainingRng ??= new Rng(CounterRng.Hash(Seed, 0x7EA1));
        set => _trainingRng = value;
    }

    /// <summary>Set by a callback to end Fit after the current step (Keras's model.stop_training).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Number of epochs completed (by Fit, or restored from a checkpoint): pass it as
    /// <c>initialEpoch</c> to continue training.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Set by BackupAndRestore when it restored a backup: the epoch Fit continues from.</summary>
    internal int? ResumeEpoch { get; set; }

    /// <summary>The dtype of the weights (float32 unless built for float64).</summary>
    private DType ModelDType => Weights.FirstOrDefault()?.Value.DType ?? DType.Float32;

    private sealed record Prepared(IReadOnlyList<Tensor> X, Dictionary<string, Tensor> Y, Tensor? SampleWeight, Tensor? ElementWeight, int Size);

    /// <summary>Checks a host batch, folds class weights into sample weights, and moves it to the
    /// model's device (inside the caller's TensorScope). With <paramref name="upload"/> false the
    /// tensors stay where they are (a CUDA graph step copies them into its own buffers).</summary>
    private Prepared Prepare(StepBatch b, IReadOnlyDictionary<int, double>? classWeight, bool upload = true)
    {
        EnsureBuilt(b.X[0]);
        var heads = Heads;
        var n = b.X[0].Shape[0];
        var dtype = ModelDType;
        var y = new Dictionary<string, Tensor>();
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
                if (!t.Device.IsCuda && OutputShapes.TryGetValue(h.Name, out var shape) && shape.Length == 1)
                    SparseCategoricalCrossentropy.CheckRange(t.ToArray<int>(), shape[0]);
            }
            else if (t.DType != dtype && t.DType.IsFloating()) t = t.To(dtype);
            y[h.Name] = !upload || t.Device == _device ? t : t.To(_device);
        }

        double[]? sw = b.SampleWeight is { } s ? HostRows.OnHost(s).ToDoubleArray() : null;
        if (sw is not null && sw.Length != n)
            throw new ArgumentException($"sample_weight has {sw.Length} values for a batch of {n} samples; give one weight per sample.");
        double[]? perElement = null;
        if (classWeight is not null)
        {
            var head = heads[0];
            var (perSample, elem) = ClassWeights.Compute(head.Loss, HostRows.OnHost(firstHostTarget!), classWeight);
            perElement = elem;
            if (perSample is not null) sw = sw is null ? perSample : sw.Select((w, i) => w * perSample[i]).ToArray();
        }
        var x = b.X.Select(t =>
        {
            if (upload && t.Device != _device) t = t.To(_device);
            return t.DType != dtype && t.DType.IsFloating() ? t.To(dtype) : t;
        }).ToArray();
        var weightsOn = upload ? _device : Device.Cpu;
        var swT = sw is null ? null : Tensor.FromHost(new Shape(n), dtype, weightsOn, i => sw[i]);
        var ewT = perElement is null ? null : Tensor.FromHost(y[heads[0].Name].Shape, dtype, weightsOn, i => perElement[i]);
        return new Prepared(x, y, swT, ewT, n);
    }

    /// <summary>One training step on a batch, in its own TensorScope: replayed from a CUDA graph when
    /// graphs are on and usable (Model.Graphs.cs), else eager.</summary>
    private void TrainBatch(StepBatch b, IReadOnlyDictionary<int, double>? classWeight)
    {
        using var scope = new TensorScope();
        if (!TryGraphStep(b, classWeight)) TrainStep(Prepare(b, classWeight));
    }

    /// <summary>Forward, weighted loss per head, backward, optimizer step, metrics.</summary>
    private void TrainStep(Prepared p)
    {
        var parameters = TrainingParameters();
        var outputs = Run(p.X, new CallContext(true, TrainingRng.NextSeed()));
        var total = ComputeLoss(p, outputs);
        total.Backward();
        _optimizer!.Step(parameters);
        ZeroGradients(parameters);
        using (Tape.NoGrad()) UpdateMetrics(p, outputs);
    }

    /// <summary>Forward in inference mode, losses and metrics, no gradients.</summary>
    private void TestStep(Prepared p)
    {
        using var noGrad = Tape.NoGrad();
        var outputs = Run(p.X, CallContext.Inference);
        ComputeLoss(p, outputs);
        UpdateMetrics(p, outputs);
    }

    /// <summary>Σ weight_h · loss_h, tracking each head's loss and the total on the device.</summary>
    private Tensor ComputeLoss(Prepared p, IReadOnlyDictionary<string, Tensor> outputs)
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
        _totalLoss!.Add(total!, p.Size);
        return total!;
    }

    /// <summary>Metrics see probabilities: when the loss takes logits, a sigmoid (binary) or softmax
    /// is applied first (Keras passes raw logits and leaves that to the user).</summary>
    private void UpdateMetrics(Prepared p, IReadOnlyDictionary<string, Tensor> outputs)
    {
        foreach (var h in Heads)
        {
            if (h.Specs.Count == 0) continue;
            var pred = outputs[h.Name];
            if (h.Loss.FromLogits) pred = h.Loss.TargetKind == TargetKind.Binary ? Ops.Sigmoid(pred) : Ops.Softmax(pred);
            var yTrue = p.Y[h.Name];
            foreach (var m in h.Metrics(yTrue, pred)) m.Update(yTrue, pred, p.SampleWeight);
        }
    }

    private void ResetMetrics()
    {
        _totalLoss!.Reset();
        foreach (var h in Heads) h.Reset();
    }

    /// <summary>Reads the running loss means and metric results (one device sync).</summary>
    private Dictionary<string, double> ReadLogs(string prefix = "")
    {
        var heads = Heads;
        var logs = new Dictionary<string, double> { [prefix + "loss"] = _totalLoss!.Result() };
        if (heads.Count > 1)
            foreach (var h in heads) logs[$"{prefix}{h.Name}_loss"] = h.LossTracker.Result();
        foreach (var h in heads)
            foreach (var m in h.ResolvedMetrics)
                logs[prefix + (heads.Count > 1 ? h.Name + "_" : "") + m.Name] = m.Result();
        return logs;
    }

    /// <summary>Runs a whole source through TestStep and returns its logs.</summary>
    private Dictionary<string, double> EvaluateCore(IBatchSource source, string prefix)
    {
        ResetMetrics();
        foreach (var b in source.Batches(0, null))
        {
            using (var scope = new TensorScope()) TestStep(Prepare(b, null));
            b.Release();
        }
        return ReadLogs(prefix);
    }
}
