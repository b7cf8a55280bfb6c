using Engine.Backends;
using Engine.Tensors;

namespace Engine.Optimizers;

public abstract partial class Optimizer : IDisposable
{
    // Per parameter index, the named state buffers ("exp_avg", "momentum_buffer", ...), created on
    // the parameter's device on first use. Untracked, so no TensorScope frees them; Dispose does.
    private readonly List<Dictionary<string, Tensor>?> _slots = [];

    // One-element buffer for the global squared gradient norm, reused every step.
    private Tensor? _squaredNorm;

    // When the parameters form a ParameterArena, each state buffer ("exp_avg", ...) is one tensor of
    // the arena's layout, and the per-parameter slots above are views into it: one launch updates
    // everything, while checkpoints and the one-at-a-time path still see per-parameter buffers.
    private ParameterArena? _arena;
    private readonly Dictionary<string, Tensor> _arenaSlots = [];

    /// <summary>The index <see cref="Update"/> receives when it updates the whole arena at once.</summary>
    protected const int ArenaIndex = -1;

    /// <summary>The names of the per-parameter state buffers this optimizer keeps (PyTorch's names).</summary>
    protected abstract IReadOnlyList<string> SlotNames { get; }

    /// <summary>Updates one parameter with its gradient. <paramref name="step"/> counts from 1.
    /// <paramref name="index"/> is <see cref="ArenaIndex"/> when <paramref name="param"/> is a whole
    /// parameter arena (every parameter flat, with its gradients): the rule is elementwise, so the
    /// same code serves both; <see cref="Slot(int, Tensor, string)"/> gives state of the matching layout.</summary>
    protected abstract void Update(int index, Tensor param, Tensor grad, double learningRate, long step);

    /// <summary>Clips the gradients (when ClipNorm or ClipValue is set), then updates every parameter
    /// that has a gradient and counts the step. All the work is queued on the parameters' device;
    /// nothing is read back to the host. Gradients are not zeroed (see <see cref="ZeroGrad(IEnumerable{Tensor})"/>).</summary>
    public void Step(IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var lr = CurrentLearningRate;
        if (!(lr >= 0) || double.IsInfinity(lr))
            throw new InvalidOperationException($"The learning rate at step {Iterations} is {lr}; it must be a finite number >= 0 (check the schedule).");
        for (var i = 0; i < parameters.Count; i++) CheckParameter(i, parameters[i]);

        var arena = ParameterArena.Of(parameters);
        using (TensorScope.Untracked())
        {
            if (ClipNorm is not null || ClipValue is not null)
            {
                // One flat gradient for the whole arena, else each parameter's own.
                var grads = arena is not null ? [arena.Gradients] : parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
                if (ClipNorm is { } maxNorm) ClipGlobalNorm(grads, maxNorm);
                if (ClipValue is { } limit)
                    foreach (var g in grads) g.Backend.ClipByValue(g, limit, g.Size);
            }

            if (arena is not null)
            {
                UseArena(arena);
                Update(ArenaIndex, arena.Values, arena.Gradients, lr, Iterations + 1);
            }
            else
            {
                for (var i = 0; i < parameters.Count; i++)
                    if (parameters[i].Grad is { } g)
                        Update(i, parameters[i], g, lr, Iterations + 1);
            }
        }
        Iterations++;
    }

    /// <summary>Drops every parameter's gradient (set to none, as torch's zero_grad does by default),
    /// so a parameter that gets no gradient in the next step is not updated by it.</summary>
    public static void ZeroGrad(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var p in parameters) p.ZeroGrad();
    }

    /// <summary>Like <see cref="ZeroGrad(IEnumerable{Tensor})"/>, or, with setToNone false, fills the
    /// existing gradient buffers with zeros instead (no reallocation in the next backward pass).</summary>
    public static void ZeroGrad(IEnumerable<Tensor> parameters, bool setToNone)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!setToNone && parameters is IReadOnlyList<Tensor> list && ParameterArena.Of(list) is { } arena)
        {
            arena.ZeroGradients();   // one fill for all of them
            return;
        }
        foreach (var p in parameters)
        {
            if (setToNone) p.ZeroGrad();
            else if (p.Grad is { } g) g.Backend.Fill(g, 0, g.Size);
        }
    }

    private void CheckParameter(int index, Tensor p)
    {
        if (p is null) throw new ArgumentNullException($"parameters[{index}]");
        if (!p.DType.IsFloating())
            throw new ArgumentException($"Parameter {index} ({Describe(p)}) is {p.DType.Name()}; only float parameters can be optimized.");
        if (p.Grad is { } g && (g.Shape != p.Shape || g.DType != p.DType || g.Device != p.Device))
            throw new ArgumentException($"Parameter {index} ({Describe(p)}) has a gradient of shape {g.Shape}, {g.DType.Name()} on {g.Device}; it must match the parameter.");
        if (index < _slots.Count && _slots[index] is { } slots)
            foreach (var (key, s) in slots)
                if (s.Shape != p.Shape || s.Device != p.Device || s.DType != p.DType)
                    throw new ArgumentException(
                        $"Parameter {index} ({Describe(p)}) does not match the optimizer's '{key}' state ({s.Shape}, {s.DType.Name()} on {s.Device}). " +
                        "Pass the parameters in the same order on every step (a model's TrainableWeights is), or use a new optimizer.");
    }

    private static string Describe(Tensor p) => $"{(p.Name is null ? "" : $"'{p.Name}', ")}shape {p.Shape}";

    /// <summary>torch.nn.utils.clip_grad_norm_ over all gradients together, on the device: the squared
    /// norms are summed into one buffer, then every gradient is scaled by min(1, max/(norm + 1e-6)).</summary>
    private void ClipGlobalNorm(IReadOnlyList<Tensor> grads, double maxNorm)
    {
        Tensor? first = null;
        foreach (var g in grads)
        {
            first ??= g;
            if (g.Device != first.Device || g.DType != first.DType)
                throw new InvalidOperationException(
                    $"ClipNorm needs every gradient on one device with one dtype; found {first.DType.Name()} on {first.Device} and {g.DType.Name()} on {g.Device}.");
        }
        if (first is null) return;
        if (_squaredNorm is null || _squaredNorm.Device != first.Device || _squaredNorm.DType != first.DType)
        {
            _squaredNorm?.Dispose();
            _squaredNorm = Tensor.Empty(new Shape(1), first.DType, first.Device);
        }
        var backend = first.Backend;
        backend.Fill(_squaredNorm, 0, 1);
        foreach (var g in grads) backend.SquaredNormAccumulate(g, _squaredNorm, g.Size);
        foreach (var g in grads) backend.ScaleToMaxNorm(g, _squaredNorm, maxNorm, g.Size);
    }

    /// <summary>The state buffer <paramref name="key"/> of parameter <paramref name="index"/>; created
    /// as zeros (and <paramref name="created"/> set) the first time it is asked for.</summary>
    protected Tensor Slot(int index, Tensor param, string key, out bool created)
    {
        if (index == ArenaIndex) return ArenaSlot(key, out created);
        while (_slots.Count <= index) _slots.Add(null);
        var slots = _slots[index] ??= [];
        created = false;
        if (slots.TryGetValue(key, out var t)) return t;
        using (TensorScope.Untracked())
            t = Tensor.Zeros(param.Shape, param.DType, param.Device);
        slots[key] = t;
        created = true;
        return t;
    }

    protected Tensor Slot(int index, Tensor param, string key) => Slot(index, param, key, out _);

    /// <summary>Switches the one-launch path to <paramref name="arena"/> (a model rebuilt its arena:
    /// the old flat buffers go; the per-parameter views keep the state alive until it is gathered).</summary>
    private void UseArena(ParameterArena arena)
    {
        if (ReferenceEquals(arena, _arena)) return;
        foreach (var t in _arenaSlots.Values) t.Dispose();
        _arenaSlots.Clear();
        _arena = arena;
    }

    /// <summary>State buffer <paramref name="key"/> over the whole arena, created on first use by
    /// gathering whatever per-parameter state exists (a restored checkpoint, earlier one-at-a-time
    /// steps) into it; every per-parameter slot then becomes a view of it. <paramref name="created"/>
    /// is true only when no parameter had this state yet.</summary>
    private Tensor ArenaSlot(string key, out bool created)
    {
        var arena = _arena ?? throw new InvalidOperationException("No parameter arena is in use.");
        created = false;
        if (_arenaSlots.TryGetValue(key, out var flat)) return flat;
        flat = arena.NewStateBuffer();
        created = true;
        while (_slots.Count < arena.Parameters.Count) _slots.Add(null);
        for (var i = 0; i < arena.Parameters.Count; i++)
        {
            var slots = _slots[i] ??= [];
            var region = arena.RegionOf(flat, i);
            if (slots.TryGetValue(key, out var old))
            {
                region.Backend.Copy(old, region, region.Size);
                old.Dispose();
                created = false;
            }
            slots[key] = region;
        }
        _arenaSlots[key] = flat;
        return flat;
    }

    /// <summary>Frees every state buffer (the next step starts from zero moments).</summary>
    private void ClearSlots()
    {
        foreach (var slots in _slots)
            if (slots is not null)
                foreach (var t in slots.Values) t.Dispose();
        _slots.Clear();
        foreach (var t in _arenaSlots.Values) t.Dispose();
        _arenaSlots.Clear();
    }

    /// <summary>Frees the optimizer's device buffers.</summary>
    public void Dispose()
    {
        ClearSlots();
        _squaredNorm?.Dispose();
        _squaredNorm = null;
        GC.SuppressFinalize(this);
    }
}
