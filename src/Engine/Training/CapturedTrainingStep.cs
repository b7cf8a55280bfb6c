using Engine.Autograd;
using Engine.Backends;
using Engine.Cuda;
using Engine.Layers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Training;

/// <summary>Training steps replayed from CUDA graphs (opt-in: <see cref="Model.UseCudaGraphs"/>); the
/// only part of training that knows the CUDA backend. A small CNN's step is dozens of kernel
/// launches, each costing the CPU more than the GPU spends on it; captured once as a graph, the step
/// becomes one launch. How it runs, per model on CUDA:
/// <list type="number">
/// <item>The first step of each batch signature is eager (warm-up): it creates what is made lazily
/// on first use — gradients, loss-tracker and metric buffers, kernel modules, the cuBLAS handle,
/// and cuBLAS's kernels for that shape (loaded lazily by CUDA 12+, which a capture forbids).</item>
/// <item>For each batch signature (the shapes and dtypes of x, every target, the sample and element
/// weights: the full batch and the last partial batch get one each, at most
/// <see cref="MaxGraphs"/>), forward + losses + backward + loss trackers + metrics
/// (<see cref="TrainingStep.ForwardBackward"/>) are captured once, reading the batch from static
/// device buffers of their own.</item>
/// <item>Every step then copies the batch into those buffers, replays the graph, and runs the
/// optimizer step and the gradient reset eagerly (one launch each over the parameter arena, whose
/// gradient buffers stay attached: the graph has their addresses baked in).</item>
/// </list>
/// Eager instead (said once on stderr when graphs were asked for): active Dropout layers (the mask
/// seed is a kernel argument that a graph would freeze), and any step whose capture fails (then
/// graphs are turned off for the model). A graph is dropped and captured again when a buffer it
/// uses was freed or a weight or gradient lives somewhere else (model moved or recompiled, the arena
/// gathered again).</summary>
internal sealed class CapturedTrainingStep(Model model, TrainingStep training) : IDisposable
{
    /// <summary>ENGINE_CUDA_GRAPHS=0 turns CUDA graphs off for every model; =1 turns them on for every model.</summary>
    public const string Variable = "ENGINE_CUDA_GRAPHS";

    /// <summary>Most batch signatures captured per model; further ones train eagerly.</summary>
    public const int MaxGraphs = 4;

    /// <summary>Captures that leave state behind before graphs are given up for the model.</summary>
    private const int MaxLeakyCaptures = 2;

    private static readonly bool? Override = ParseVariable(Environment.GetEnvironmentVariable(Variable));

    private readonly Dictionary<string, GraphStep> _steps = new(StringComparer.Ordinal);
    /// <summary>Eager warm-up steps run per batch signature.</summary>
    private readonly Dictionary<string, int> _warm = new(StringComparer.Ordinal);
    private string? _offReason = UncapturableReason(model);
    private bool _told;
    private int _eagerSteps, _captures, _replays, _leaky;

    /// <summary>Whether <paramref name="model"/>'s steps should go through graphs (asked for, on CUDA).</summary>
    public static bool Wanted(Model model) => (Override ?? model.UseCudaGraphs) && model.Device.IsCuda;

    public static bool? ParseVariable(string? value) => value?.Trim() switch
    {
        "0" or "false" or "off" => false,
        "1" or "true" or "on" => true,
        _ => null,
    };

    public CudaGraphStats Stats => new(_steps.Count, _captures, _replays, _eagerSteps, _offReason, _steps.Values.Sum(s => s.Graph.PoolBytes));

    /// <summary>Runs one training step through a CUDA graph; false when graphs are off for the model
    /// and the caller should run the ordinary eager step.</summary>
    public bool TryStep(StepBatch b, IReadOnlyDictionary<int, double>? classWeight)
    {
        if (_offReason is not null)
        {
            if (!_told) Warn($"CUDA graphs are off for model '{model.Name}': {_offReason}; training runs eagerly.");
            return false;
        }

        var p = training.Prepare(b, classWeight, upload: false);
        // The arena (gathered at the first step, gradients re-attached if dropped) exists before any
        // capture: a graph must find the weights and gradients where it will always find them.
        var parameters = model.Arena.Parameters(model.TrainableWeights);
        // Drawn as the eager step draws it, so the training random stream is the same either way.
        var context = model.NextTrainingContext();
        var key = p.Signature();
        if (_steps.TryGetValue(key, out var step) && !step.StillValid(model))
        {
            step.Dispose();
            _steps.Remove(key);
            _warm.Remove(key);
            step = null;
        }
        // Warm-up, per signature: the first steps of each batch shape run eagerly, so that what is
        // made on first use for that shape (gradients and metric buffers; kernel modules; cuBLAS's
        // kernels for the shape, which CUDA 12+ loads lazily and a capture cannot) exists before
        // it is captured.
        if (step is null && _warm.GetValueOrDefault(key) < model.CudaGraphWarmupSteps)
        {
            Eager(p, context, parameters, keepGradients: true);
            _warm[key] = _warm.GetValueOrDefault(key) + 1;
            _eagerSteps++;
            return true;
        }
        if (step is null)
        {
            if (_steps.Count >= MaxGraphs)
            {
                Eager(p, context, parameters, keepGradients: true);
                _eagerSteps++;
                return true;
            }
            step = Capture(p, context);
            if (step is null)
            {
                Eager(p, context, parameters, keepGradients: false);
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
            _steps.Remove(key);
            TurnOff($"a replay failed: {FirstLine(e.Message)}");
            Eager(p, context, parameters, keepGradients: false);
            return true;
        }
        _replays++;
        training.ApplyGradients(parameters, keepGradients: true);
        if (step.Graph.LiveTemporaries > 0)
        {
            // The capture created lasting state (a buffer made on first use) inside the graph's pool.
            // This replay initialised it; the graph itself must go, or each replay would reset it.
            step.Dispose();
            _leaky++;
            if (_leaky >= MaxLeakyCaptures)
                TurnOff("captures keep creating lasting state (buffers made on first use inside the step)");
        }
        else
        {
            step.Graph.ForgetTemporaries();
            _steps[key] = step;
        }
        return true;
    }

    /// <summary>The eager step on a batch prepared for capture (moved to the model's device first).</summary>
    private void Eager(PreparedBatch p, CallContext context, IReadOnlyList<Tensor> parameters, bool keepGradients)
    {
        training.ForwardBackward(p.On(model.Device), context);
        training.ApplyGradients(parameters, keepGradients);
    }

    /// <summary>Captures forward, losses, backward, trackers and metrics for batches shaped like
    /// <paramref name="p"/>; null (and graphs off, with a warning) when the capture fails.</summary>
    private GraphStep? Capture(PreparedBatch p, CallContext context)
    {
        var backend = (CudaBackend)BackendRegistry.For(model.Device);
        var inputs = new StaticBatch(p, model.Device);
        try
        {
            CapturedGraph graph;
            using (new TensorScope())
                graph = backend.CaptureGraph(() => training.ForwardBackward(inputs.Batch, context));
            // The scope has closed: every temporary of the capture is back in the graph's pool.
            _captures++;
            return new GraphStep(inputs, graph, WeightAndGradientPlaces(model));
        }
        catch (Exception e)
        {
            inputs.Dispose();
            TurnOff($"the capture failed: {e.GetType().Name}: {FirstLine(e.Message)}");
            return null;
        }
    }

    private void TurnOff(string reason)
    {
        _offReason = reason;
        DisposeSteps();
        Warn($"CUDA graphs are off for model '{model.Name}' on {model.Device}: {reason.TrimEnd('.')}. Training continues eagerly " +
             $"(set {Variable}=0 to skip the attempt).");
    }

    private void Warn(string message)
    {
        _told = true;
        Console.Error.WriteLine("Engine: " + message);
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>Why this model's step cannot be a graph, or null.</summary>
    private static string? UncapturableReason(Model model)
    {
        static IEnumerable<Layer> All(Model m) => m.Layers.SelectMany(l => l is NestedModel n ? All(n.Model) : [l]);
        foreach (var layer in All(model))
            if (layer is Dropout { Rate: > 0 })
                return $"layer '{layer.Name}' (Dropout) draws a new random mask every step, and a graph would freeze its seed";
        return null;
    }

    /// <summary>Where every weight and every trainable weight's gradient lives now (storage and
    /// element offset: what a graph has baked in; a moved weight keeps its Tensor but not this).</summary>
    private static (Storage? Storage, int Offset)[] WeightAndGradientPlaces(Model model)
    {
        static (Storage?, int) Place(Tensor? t) => t is null || t.IsDisposed ? (null, 0) : (t.Storage, t.Offset);
        var weights = model.Weights;
        var trainable = model.TrainableWeights;
        var all = new (Storage?, int)[weights.Count + trainable.Count];
        for (var i = 0; i < weights.Count; i++) all[i] = Place(weights[i].Value);
        for (var i = 0; i < trainable.Count; i++) all[weights.Count + i] = Place(trainable[i].Grad);
        return all;
    }

    private void DisposeSteps()
    {
        foreach (var s in _steps.Values) s.Dispose();
        _steps.Clear();
    }

    public void Dispose() => DisposeSteps();

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
            var now = WeightAndGradientPlaces(model);
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
        public StaticBatch(PreparedBatch like, Device device)
        {
            using var untracked = TensorScope.Untracked();
            Tensor Make(Tensor t) => Tensor.Empty(t.Shape, t.DType, device);
            Batch = new PreparedBatch(like.X.Select(Make).ToArray(), like.Y.ToDictionary(kv => kv.Key, kv => Make(kv.Value)),
                like.SampleWeight is null ? null : Make(like.SampleWeight), like.ElementWeight is null ? null : Make(like.ElementWeight), like.Size);
        }

        public PreparedBatch Batch { get; }

        /// <summary>Copies a batch with this signature in (host to device, or device to device).</summary>
        public void CopyFrom(PreparedBatch p)
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
