using System.Text;
using Engine.Autograd;
using Engine.Backends;
using Engine.Cuda;
using Engine.Layers;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>Training steps replayed from CUDA graphs (opt-in: <see cref="UseCudaGraphs"/>).
/// A small CNN's step is dozens of kernel launches, each costing the CPU more than the GPU spends
/// on it; captured once as a graph, the step becomes one launch. How it runs, per model on CUDA:
/// <list type="number">
/// <item>The first step of each batch signature is eager (warm-up): it creates what is made lazily
/// on first use — gradients, loss-tracker and metric buffers, kernel modules, the cuBLAS handle,
/// and cuBLAS's kernels for that shape (loaded lazily by CUDA 12+, which a capture forbids).</item>
/// <item>For each batch signature (the shapes and dtypes of x, every target, the sample and element
/// weights: the full batch and the last partial batch get one each, at most
/// <see cref="MaxCudaGraphs"/>), forward + losses + backward + loss trackers + metrics are captured
/// once, reading the batch from static device buffers of the model's own.</item>
/// <item>Every step then copies the batch into those buffers, replays the graph, and runs the
/// optimizer step and the gradient reset eagerly (one launch each over the parameter arena, whose
/// gradient buffers stay attached: the graph has their addresses baked in).</item>
/// </list>
/// Eager instead (said once on stderr when graphs were asked for): active Dropout layers (the mask
/// seed is a kernel argument that a graph would freeze), and any step whose capture fails (then
/// graphs are turned off for the model). A graph is dropped and captured again when a buffer it
/// uses was freed or a weight or gradient lives somewhere else (model moved or recompiled, the arena
/// gathered again).</summary>
public partial class Model
{
    /// <summary>ENGINE_CUDA_GRAPHS=0 turns CUDA graphs off for every model; =1 turns them on for every model.</summary>
    public const string CudaGraphsVariable = "ENGINE_CUDA_GRAPHS";

    /// <summary>Most batch signatures captured per model; further ones train eagerly.</summary>
    public const int MaxCudaGraphs = 4;

    /// <summary>Eager steps of each batch signature before it is captured (tests set 0 to capture a cold step).</summary>
    internal int CudaGraphWarmupSteps { get; set; } = 1;

    /// <summary>Captures that leave state behind before graphs are given up for the model.</summary>
    private const int MaxLeakyCaptures = 2;

    private static readonly bool? GraphsOverride = ParseGraphsVariable(Environment.GetEnvironmentVariable(CudaGraphsVariable));

    private bool _useCudaGraphs;
    private GraphSteps? _graphSteps;

    /// <summary>Capture the training step as a CUDA graph and replay it (like PyTorch's
    /// torch.compile(mode="reduce-overhead") / torch.cuda.graphs, or Keras's jit_compile): much less
    /// CPU time per step for small models on a GPU. Off by default; no effect on the CPU. Also set by
    /// <c>Compile(..., cudaGraphs: true)</c>; ENGINE_CUDA_GRAPHS=0 forces it off, =1 on.
    /// Training results equal eager training's. See Model.Graphs.cs for what falls back to eager.</summary>
    public bool UseCudaGraphs
    {
        get => _useCudaGraphs;
        set
        {
            if (value == _useCudaGraphs) return;
            _useCudaGraphs = value;
            ResetCudaGraphs();
        }
    }

    internal static bool? ParseGraphsVariable(string? value) => value?.Trim() switch
    {
        "0" or "false" or "off" => false,
        "1" or "true" or "on" => true,
        _ => null,
    };

    /// <summary>Counters for tests and benchmarks.</summary>
    internal sealed record CudaGraphStats(int Graphs, int Captures, int Replays, int EagerSteps, string? OffReason, long PoolBytes);

    internal CudaGraphStats GraphStats => _graphSteps is { } g
        ? new(g.Steps.Count, g.Captures, g.Replays, g.EagerSteps, g.OffReason, g.Steps.Values.Sum(s => s.Graph.PoolBytes))
        : new(0, 0, 0, 0, null, 0);

    /// <summary>Drops every captured graph (and its memory); the next step starts over with a warm-up.</summary>
    private void ResetCudaGraphs()
    {
        _graphSteps?.Dispose();
        _graphSteps = null;
    }

    /// <summary>Runs one training step through a CUDA graph when graphs are on and usable; false
    /// when the caller should run the ordinary eager step.</summary>
    private bool TryGraphStep(StepBatch b, IReadOnlyDictionary<int, double>? classWeight)
    {
        if (!(GraphsOverride ?? _useCudaGraphs) || !_device.IsCuda) return false;
        var steps = _graphSteps ??= new GraphSteps(UncapturableReason());
        if (steps.OffReason is not null)
        {
            if (!steps.Told) Warn(steps, $"CUDA graphs are off for model '{Name}': {steps.OffReason}; training runs eagerly.");
            return false;
        }

        var p = Prepare(b, classWeight, upload: false);
        // The arena (gathered at the first step, gradients re-attached if dropped) exists before any
        // capture: a graph must find the weights and gradients where it will always find them.
        var parameters = TrainingParameters();
        // Drawn as the eager step draws it, so the training random stream is the same either way.
        var context = new CallContext(true, TrainingRng.NextSeed());
        var key = Signature(p);
        if (steps.Steps.TryGetValue(key, out var step) && !step.StillValid(this))
        {
            step.Dispose();
            steps.Steps.Remove(key);
            steps.Warm.Remove(key);
            step = null;
        }
        // Warm-up, per signature: the first steps of each batch shape run eagerly, so that what is
        // made on first use for that shape (gradients and metric buffers; kernel modules; cuBLAS's
        // kernels for the shape, which CUDA 12+ loads lazily and a capture cannot) exists before
        // it is captured.
        if (step is null && steps.Warm.GetValueOrDefault(key) < CudaGraphWarmupSteps)
        {
            EagerStep(Upload(p), context, parameters, keepGradients: true);
            steps.Warm[key] = steps.Warm.GetValueOrDefault(key) + 1;
            steps.EagerSteps++;
            return true;
        }
        if (step is null)
        {
            if (steps.Steps.Count >= MaxCudaGraphs)
            {
                EagerStep(Upload(p), context, parameters, keepGradients: true);
                steps.EagerSteps++;
                return true;
            }
            step = Capture(steps, p, context);
            if (step is null)
            {
                EagerStep(Upload(p), context, parameters, keepGradients: false);
                return true;
            }
        }

        step.Inputs.CopyFrom(p);
        try
        {
            step.Graph.Replay();
        }
        catch (CudaException e) when (!e.PoisonsContext)
        {
            // The launch was refused, so nothing of this step ran: do it eagerly, without graphs from now on.
            step.Dispose();
            steps.Steps.Remove(key);
            TurnGraphsOff(steps, $"a replay failed: {FirstLine(e.Message)}");
            EagerStep(Upload(p), context, parameters, keepGradients: false);
            return true;
        }
        steps.Replays++;
        ApplyGradients(parameters, keepGradients: true);
        if (step.Graph.LiveTemporaries > 0)
        {
            // The capture created lasting state (a buffer made on first use) inside the graph's pool.
            // This replay initialised it; the graph itself must go, or each replay would reset it.
            step.Dispose();
            steps.Leaky++;
            if (steps.Leaky >= MaxLeakyCaptures)
                TurnGraphsOff(steps, "captures keep creating lasting state (buffers made on first use inside the step)");
        }
        else
        {
            step.Graph.ForgetTemporaries();
            steps.Steps[key] = step;
        }
        return true;
    }

    /// <summary>Captures forward, losses, backward, trackers and metrics for batches shaped like
    /// <paramref name="p"/>; null (and graphs off, with a warning) when the capture fails.</summary>
    private GraphStep? Capture(GraphSteps steps, Prepared p, CallContext context)
    {
        var backend = (CudaBackend)BackendRegistry.For(_device);
        var inputs = new StaticBatch(p, _device);
        try
        {
            CapturedGraph graph;
            using (new TensorScope())
                graph = backend.CaptureGraph(() => ForwardBackward(inputs.Batch, context));
            // The scope has closed: every temporary of the capture is back in the graph's pool.
            steps.Captures++;
            return new GraphStep(inputs, graph, WeightAndGradientPlaces());
        }
        catch (Exception e)
        {
            inputs.Dispose();
            TurnGraphsOff(steps, $"the capture failed: {e.GetType().Name}: {FirstLine(e.Message)}");
            return null;
        }
    }

    private void TurnGraphsOff(GraphSteps steps, string reason)
    {
        steps.OffReason = reason;
        foreach (var s in steps.Steps.Values) s.Dispose();
        steps.Steps.Clear();
        Warn(steps, $"CUDA graphs are off for model '{Name}' on {_device}: {reason.TrimEnd('.')}. Training continues eagerly " +
                    $"(set {CudaGraphsVariable}=0 to skip the attempt).");
    }

    private static void Warn(GraphSteps steps, string message)
    {
        steps.Told = true;
        Console.Error.WriteLine("Engine: " + message);
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>Why this model's step cannot be a graph, or null.</summary>
    private string? UncapturableReason()
    {
        foreach (var layer in Layers)
            if (layer is Dropout { Rate: > 0 })
                return $"layer '{layer.Name}' (Dropout) draws a new random mask every step, and a graph would freeze its seed";
        return null;
    }

    /// <summary>The part of a training step a graph holds: forward, weighted losses (and their
    /// trackers), backward into the gradient buffers, metrics. The eager step is this plus
    /// <see cref="ApplyGradients"/>, in the same order of results as <see cref="TrainStep"/>.</summary>
    private void ForwardBackward(Prepared p, CallContext context)
    {
        var outputs = Run(p.X, context);
        var total = ComputeLoss(p, outputs);
        total.Backward();
        using (Tape.NoGrad()) UpdateMetrics(p, outputs);
    }

    /// <summary>The optimizer step, then the gradient reset: zeroed in place when graphs need the
    /// buffers to stay where they are (one fill over the arena), else as <see cref="TrainStep"/> does.</summary>
    private void ApplyGradients(IReadOnlyList<Tensor> parameters, bool keepGradients)
    {
        _optimizer!.Step(parameters);
        if (keepGradients) Optimizers.Optimizer.ZeroGrad(parameters, setToNone: false);
        else ZeroGradients(parameters);
    }

    private void EagerStep(Prepared p, CallContext context, IReadOnlyList<Tensor> parameters, bool keepGradients)
    {
        ForwardBackward(p, context);
        ApplyGradients(parameters, keepGradients);
    }

    /// <summary>A batch prepared with upload: false, moved to the model's device.</summary>
    private Prepared Upload(Prepared p)
    {
        Tensor On(Tensor t) => t.Device == _device ? t : t.To(_device);
        return new Prepared(p.X.Select(On).ToArray(), p.Y.ToDictionary(kv => kv.Key, kv => On(kv.Value)),
            p.SampleWeight is null ? null : On(p.SampleWeight), p.ElementWeight is null ? null : On(p.ElementWeight), p.Size);
    }

    /// <summary>"x (128, 1, 28, 28) float32 | y:dense_1 (128) int32 | sw - | ew -": one graph per signature.</summary>
    private static string Signature(Prepared p)
    {
        static string Of(Tensor? t) => t is null ? "-" : $"{t.Shape} {t.DType.Name()}";
        var s = new StringBuilder("x ").Append(string.Join(" + ", p.X.Select(Of)));
        foreach (var (name, t) in p.Y) s.Append(" | y:").Append(name).Append(' ').Append(Of(t));
        return s.Append(" | sw ").Append(Of(p.SampleWeight)).Append(" | ew ").Append(Of(p.ElementWeight)).ToString();
    }

    /// <summary>Where every weight and every trainable weight's gradient lives now (storage and
    /// element offset: what a graph has baked in; a moved weight keeps its Tensor but not this).</summary>
    private (Storage? Storage, int Offset)[] WeightAndGradientPlaces()
    {
        static (Storage?, int) Place(Tensor? t) => t is null || t.IsDisposed ? (null, 0) : (t.Storage, t.Offset);
        var weights = Weights;
        var trainable = TrainableWeights;
        var all = new (Storage?, int)[weights.Count + trainable.Count];
        for (var i = 0; i < weights.Count; i++) all[i] = Place(weights[i].Value);
        for (var i = 0; i < trainable.Count; i++) all[weights.Count + i] = Place(trainable[i].Grad);
        return all;
    }

    /// <summary>The graphs of one model, with their counters.</summary>
    private sealed class GraphSteps(string? offReason) : IDisposable
    {
        public readonly Dictionary<string, GraphStep> Steps = new(StringComparer.Ordinal);
        /// <summary>Eager warm-up steps run per batch signature.</summary>
        public readonly Dictionary<string, int> Warm = new(StringComparer.Ordinal);
        public string? OffReason = offReason;
        public bool Told;
        public int EagerSteps, Captures, Replays, Leaky;

        public void Dispose()
        {
            foreach (var s in Steps.Values) s.Dispose();
            Steps.Clear();
        }
    }

    /// <summary>One captured step: its static input buffers, its graph, and where the weights and
    /// gradients lived when it was captured (the graph has their addresses baked in).</summary>
    private sealed class GraphStep(StaticBatch inputs, CapturedGraph graph, (Storage? Storage, int Offset)[] capturedWith) : IDisposable
    {
        public StaticBatch Inputs { get; } = inputs;

        public CapturedGraph Graph { get; } = graph;

        /// <summary>False when a buffer the graph uses was freed, or a weight or gradient now lives
        /// somewhere else (moved, gathered into a new arena): then it must be captured again.</summary>
        public bool StillValid(Model model)
        {
            if (Graph.IsStale) return false;
            var now = model.WeightAndGradientPlaces();
            if (now.Length != capturedWith.Length) return false;
            for (var i = 0; i < now.Length; i++)
                if (!ReferenceEquals(now[i].Storage, capturedWith[i].Storage) || now[i].Offset != capturedWith[i].Offset) return false;
            return true;
        }

        public void Dispose()
        {
            Graph.Dispose();
            Inputs.Dispose();
        }
    }

    /// <summary>The device buffers a captured step reads its batch from: x, a target per output, and
    /// the sample and element weights when present, shaped like the batch it was captured for.</summary>
    private sealed class StaticBatch : IDisposable
    {
        public StaticBatch(Prepared like, Device device)
        {
            using var untracked = TensorScope.Untracked();
            Tensor Make(Tensor t) => Tensor.Empty(t.Shape, t.DType, device);
            Batch = new Prepared(like.X.Select(Make).ToArray(), like.Y.ToDictionary(kv => kv.Key, kv => Make(kv.Value)),
                like.SampleWeight is null ? null : Make(like.SampleWeight), like.ElementWeight is null ? null : Make(like.ElementWeight), like.Size);
        }

        public Prepared Batch { get; }

        /// <summary>Copies a batch with this signature in (host to device, or device to device).</summary>
        public void CopyFrom(Prepared p)
        {
            for (var k = 0; k < p.X.Count; k++) Copy(p.X[k], Batch.X[k]);
            foreach (var (name, t) in p.Y) Copy(t, Batch.Y[name]);
            if (p.SampleWeight is not null) Copy(p.SampleWeight, Batch.SampleWeight!);
            if (p.ElementWeight is not null) Copy(p.ElementWeight, Batch.ElementWeight!);
        }

        private static void Copy(Tensor source, Tensor target)
        {
            if (source.Device == target.Device)
            {
                target.Backend.Copy(source, target, source.Size);
                return;
            }
            using var onHost = source.Device.IsCuda ? source.To(Device.Cpu) : null;
            var host = onHost ?? source;
            switch (host.DType)
            {
                case DType.Float32: target.Storage.CopyFrom<float>(host.Span<float>()); break;
                case DType.Float64: target.Storage.CopyFrom<double>(host.Span<double>()); break;
                default: target.Storage.CopyFrom<int>(host.Span<int>()); break;
            }
        }

        public void Dispose()
        {
            foreach (var x in Batch.X) x.Dispose();
            foreach (var t in Batch.Y.Values) t.Dispose();
            Batch.SampleWeight?.Dispose();
            Batch.ElementWeight?.Dispose();
        }
    }
}
