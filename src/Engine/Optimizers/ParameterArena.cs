using System.Runtime.CompilerServices;
using Engine.Tensors;

namespace Engine.Optimizers;

/// <summary>All trainable parameters of a model in one contiguous buffer, and their gradients in a
/// second buffer with the same layout. Each parameter becomes a view into the first (the tensor keeps
/// its identity, so layers see nothing change) and keeps a gradient that is a view into the second.
/// Then one launch zeroes every gradient, one launch clips them, and the optimizer updates every
/// parameter in one launch over the whole buffer instead of one per tensor — what a launch-bound
/// small CNN on a GPU needs, and the fixed gradient addresses a CUDA graph needs.
/// Each parameter starts at a multiple of <see cref="Alignment"/> elements; the gaps hold zeros in
/// every buffer, which every update rule maps to zero again.</summary>
public sealed class ParameterArena : IDisposable
{
    /// <summary>64 elements: 256 bytes in float32, the alignment of fresh GPU allocations.</summary>
    public const int Alignment = 64;

    // Arenas are found from their parameters: Optimizer.Step receives only the parameter list.
    private static readonly ConditionalWeakTable<Storage, ParameterArena> ByStorage = new();

    private readonly Tensor[] _parameters;
    private readonly int[] _offsets;
    private Tensor? _values;
    private Tensor? _grads;

    private ParameterArena(Tensor[] parameters, int[] offsets, int length)
    {
        _parameters = parameters;
        _offsets = offsets;
        Length = length;
        var first = parameters[0];
        using (TensorScope.Untracked())
        {
            _values = Tensor.Zeros(new Shape(length), first.DType, first.Device);
            _grads = Tensor.Zeros(new Shape(length), first.DType, first.Device);
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i].MoveInto(_values.Storage, offsets[i]);
            AttachGrad(i);
        }
        ByStorage.AddOrUpdate(_values.Storage, this);
    }

    /// <summary>Moves <paramref name="parameters"/> (float, one device, one dtype, distinct tensors)
    /// into a new arena and gives each a zeroed gradient there. A gradient a parameter already had is
    /// dropped. Returns null when the list cannot share one buffer (empty, mixed devices or dtypes).</summary>
    public static ParameterArena? Gather(IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0) return null;
        var first = parameters[0];
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in parameters)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parameters));
            if (p.DType != first.DType || p.Device != first.Device || !p.DType.IsFloating() || p.IsDisposed) return null;
            if (!seen.Add(p)) throw new ArgumentException($"A parameter of shape {p.Shape} appears twice in the list; each tensor can live in the arena once.", nameof(parameters));
        }
        var offsets = new int[parameters.Count];
        long length = 0;
        for (var i = 0; i < parameters.Count; i++)
        {
            offsets[i] = (int)length;
            length += (parameters[i].Size + Alignment - 1) / Alignment * Alignment;
            if (length > int.MaxValue)
                throw new ArgumentException($"The parameters hold more than {int.MaxValue} elements together; they cannot share one arena.", nameof(parameters));
        }
        return new ParameterArena([.. parameters], offsets, (int)length);
    }

    /// <summary>The arena that <paramref name="parameters"/> are exactly — the same tensors, in
    /// order, still living there with their arena gradients attached — or null. Optimizers take
    /// their one-launch path only then, so any other list still works one tensor at a time.</summary>
    public static ParameterArena? Of(IReadOnlyList<Tensor> parameters)
    {
        if (parameters.Count == 0 || parameters[0].IsDisposed || !ByStorage.TryGetValue(parameters[0].Storage, out var arena)) return null;
        return arena.Matches(parameters) ? arena : null;
    }

    /// <summary>Elements in each buffer, including the alignment gaps.</summary>
    public int Length { get; }

    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>Every parameter, flat (rank 1, <see cref="Length"/> elements).</summary>
    public Tensor Values => _values ?? throw Disposed();

    /// <summary>Every gradient, flat, in the same layout as <see cref="Values"/>.</summary>
    public Tensor Gradients => _grads ?? throw Disposed();

    /// <summary>Element offset of parameter <paramref name="index"/> in both buffers.</summary>
    public int OffsetOf(int index) => _offsets[index];

    /// <summary>True when <paramref name="parameters"/> is this arena's list and every parameter and
    /// gradient still lives here.</summary>
    public bool Matches(IReadOnlyList<Tensor> parameters)
    {
        if (!Holds(parameters)) return false;
        for (var i = 0; i < _parameters.Length; i++)
            if (!GradLivesHere(i)) return false;
        return true;
    }

    /// <summary>True when <paramref name="parameters"/> is this arena's list and every parameter still
    /// lives here (their gradients may have been dropped: <see cref="AttachGradients"/> restores them).</summary>
    public bool Holds(IReadOnlyList<Tensor> parameters)
    {
        if (_values is null || parameters.Count != _parameters.Length) return false;
        for (var i = 0; i < _parameters.Length; i++)
            if (!ReferenceEquals(parameters[i], _parameters[i]) || !LivesHere(i)) return false;
        return true;
    }

    /// <summary>Gives every parameter its arena gradient again where it was dropped (ZeroGrad) or
    /// replaced: the region is set to the gradient the parameter had (zero when none), so a gradient
    /// accumulated outside the arena is kept, as it would be without one.</summary>
    public void AttachGradients()
    {
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (GradLivesHere(i)) continue;
            var p = _parameters[i];
            using (TensorScope.Untracked())
            using (var region = Tensor.ViewOf(Gradients.Storage, p.Shape, _offsets[i]))
            {
                if (p.Grad is { IsDisposed: false } g && g.Shape == p.Shape && g.DType == p.DType && g.Device == p.Device)
                    region.Backend.Copy(g, region, region.Size);
                else region.Backend.Fill(region, 0, region.Size);
            }
            AttachGrad(i);
        }
    }

    /// <summary>A zero buffer of the arena's layout (optimizer state such as Adam's moments).</summary>
    public Tensor NewStateBuffer()
    {
        using (TensorScope.Untracked()) return Tensor.Zeros(new Shape(Length), Values.DType, Values.Device);
    }

    /// <summary>The view of parameter <paramref name="index"/>'s region in <paramref name="buffer"/>
    /// (a buffer from <see cref="NewStateBuffer"/>), shaped like the parameter.</summary>
    public Tensor RegionOf(Tensor buffer, int index)
    {
        if (buffer.Size != Length || buffer.Offset != 0)
            throw new ArgumentException($"Expected a buffer of the arena's {Length} elements; received shape {buffer.Shape}.", nameof(buffer));
        using (TensorScope.Untracked()) return Tensor.ViewOf(buffer.Storage, _parameters[index].Shape, _offsets[index]);
    }

    /// <summary>Zeroes every gradient with one fill, and re-attaches the arena gradient of any
    /// parameter whose gradient was dropped or replaced in the meantime (after which it is zero too).</summary>
    public void ZeroGradients()
    {
        var grads = Gradients;
        grads.Backend.Fill(grads, 0, Length);
        for (var i = 0; i < _parameters.Length; i++)
            if (!GradLivesHere(i))
            {
                _parameters[i].ZeroGrad();
                AttachGrad(i);
            }
    }

    private bool LivesHere(int i)
    {
        var p = _parameters[i];
        return !p.IsDisposed && ReferenceEquals(p.Storage, _values!.Storage) && p.Offset == _offsets[i];
    }

    private bool GradLivesHere(int i) =>
        _parameters[i].Grad is { IsDisposed: false } g && ReferenceEquals(g.Storage, _grads!.Storage) && g.Offset == _offsets[i];

    private void AttachGrad(int i)
    {
        var p = _parameters[i];
        p.ZeroGrad();
        using (TensorScope.Untracked()) p.Grad = Tensor.ViewOf(_grads!.Storage, p.Shape, _offsets[i]);
    }

    private static ObjectDisposedException Disposed() => new(nameof(ParameterArena), "The parameter arena was disposed.");

    /// <summary>Lets go of the arena's own references. Parameters still in it keep the memory alive
    /// (they are views); the optimizer's one-launch path stops applying.</summary>
    public void Dispose()
    {
        if (_values is null) return;
        ByStorage.Remove(_values.Storage);
        _values.Dispose();
        _grads!.Dispose();
        _values = null;
        _grads = null;
    }
}
