using Engine.Autograd;
using Engine.Backends;

namespace Engine.Tensors;

/// <summary>An n-dimensional, contiguous, row-major (NCHW for images) array on one device, with the
/// autograd bookkeeping (<see cref="RequiresGrad"/>, <see cref="Grad"/>) that the tape needs.
/// Creation helpers live in Tensor.Create.cs, host access in Tensor.Access.cs.</summary>
public sealed partial class Tensor : IDisposable
{
    private Storage? _storage;
    private Shape _shape = null!;
    private DType _dtype;
    private Device _device;

    /// <summary>The training step this tensor was made in (0: none); see <see cref="TensorRecycler"/>.</summary>
    private long _step;

    /// <summary>How many times this object was recycled: a TensorScope remembers it, so an entry for
    /// an earlier life of a reused object is skipped.</summary>
    internal int Incarnation { get; private set; }

    /// <summary>Set while this object sits recycled (dead): the op that made it, for the error.</summary>
    private bool _dead;
    private string? _deadOp;

    private Tensor() { }

    /// <summary>A new tensor object over <paramref name="storage"/> (which it now holds a reference of).
    /// Library code uses <see cref="Create"/>, which reuses a recycled object when one is waiting.</summary>
    internal Tensor(Storage storage, Shape shape, int offset = 0) => Init(storage, shape, offset);

    /// <summary>A tensor over <paramref name="storage"/> (which it now holds a reference of): a dead
    /// object from <see cref="TensorRecycler"/> brought back to life, or a new one.</summary>
    internal static Tensor Create(Storage storage, Shape shape, int offset = 0)
    {
        if (TensorRecycler.TakeTensor() is not { } t) return new Tensor(storage, shape, offset);
        t._dead = false;
        t._deadOp = null;
        t.Incarnation++;
        t.Init(storage, shape, offset);
        return t;
    }

    private void Init(Storage storage, Shape shape, int offset)
    {
        if (offset < 0 || (long)offset + shape.Size > storage.Length)
            throw new ArgumentException($"A view of shape {shape} at element {offset} does not fit in a storage of {storage.Length} elements.");
        _storage = storage;
        Offset = offset;
        _shape = shape;
        _dtype = storage.DType;
        _device = storage.Device;
        _step = TensorRecycler.CurrentStep;
        TensorScope.Track(this);
    }

    public Shape Shape => _dead ? throw Released() : _shape;

    /// <summary>Index of this tensor's first element in its storage: 0, except for views into a
    /// shared buffer such as a model's parameter arena.</summary>
    internal int Offset { get; private set; }

    public DType DType => _dead ? throw Released() : _dtype;

    public Device Device => _dead ? throw Released() : _device;

    public int Rank => Shape.Rank;

    /// <summary>Number of elements.</summary>
    public int Size => Shape.Size;

    /// <summary>Optional name used in error messages and gradient-check reports.</summary>
    public string? Name { get; set; }

    public bool IsDisposed => _storage is null;

    /// <summary>The buffer. Throws if this tensor was disposed.</summary>
    public Storage Storage => _storage ?? throw (_dead ? Released() : new ObjectDisposedException(
        nameof(Tensor), $"Tensor{(Name is null ? "" : $" '{Name}'")} of shape {_shape} was used after Dispose (or after its TensorScope closed)."));

    /// <summary>The error for any use of a recycled tensor (a reference kept past its step).</summary>
    private ObjectDisposedException Released() => new(nameof(Tensor),
        $"A tensor{(_deadOp is null ? "" : $" made by op '{_deadOp}'")} of shape {_shape} was used after it was released at the end of the " +
        "training step that made it (its object is reused by later steps). To keep a step's tensor, copy it inside the step: " +
        "using (TensorScope.Untracked()) kept = t.Clone();");

    /// <summary>The backend that runs kernels on this tensor's device.</summary>
    public IBackend Backend => BackendRegistry.For(Device);

    // ---- autograd ----------------------------------------------------------------------------

    private bool _requiresGrad;

    /// <summary>Whether gradients flow to this tensor. Set it on leaves (parameters, inputs you want
    /// gradients for); results of ops on such tensors require grad automatically.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!value && GradFn is not null)
                throw new InvalidOperationException("Cannot turn off RequiresGrad on the result of an op; use Detach().");
            if (value && !DType.IsFloating())
                throw new InvalidOperationException($"Only float tensors can require gradients; this one is {DType.Name()}.");
            _requiresGrad = value;
        }
    }

    /// <summary>Accumulated gradient of the last Backward() calls (leaves only; null until then).</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>For a softmax or sigmoid output of <see cref="Layers.Activations"/>: the logits it was
    /// computed from and their incarnation, so a loss can use the stable logits form.</summary>
    internal (Tensor Logits, int Incarnation, bool Sigmoid)? ActivationLogits { get; set; }

    /// <summary>The recorded op that produced this tensor, or null for a leaf.</summary>
    internal Node? GradFn { get; set; }

    public bool IsLeaf => GradFn is null;

    /// <summary>Backpropagates from this scalar: every leaf that requires grad gets d(this)/d(leaf)
    /// added to its <see cref="Grad"/>. The recorded graph is released afterwards.</summary>
    public void Backward() => BackwardPass.Run(this);

    /// <summary>Sets the gradient of this leaf to null (the next Backward starts from zero).</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    /// <summary>A view of the same data that is cut off from the graph (no gradient flows back).</summary>
    public Tensor Detach()
    {
        Storage.AddRef();
        var t = Create(Storage, Shape, Offset);
        t.Name = Name;
        return t;
    }

    /// <summary>A view of the same storage with another shape (no copy). Not differentiable; use
    /// <see cref="Ops.Reshape"/> inside a model.</summary>
    internal Tensor View(Shape shape)
    {
        Storage.AddRef();
        return Create(Storage, shape, Offset);
    }

    /// <summary>A view of <paramref name="shape"/> into <paramref name="storage"/> at element
    /// <paramref name="offset"/> (the storage gains a reference).</summary>
    internal static Tensor ViewOf(Storage storage, Shape shape, int offset)
    {
        storage.AddRef();
        return Create(storage, shape, offset);
    }

    /// <summary>Moves this tensor's data into <paramref name="storage"/> at <paramref name="offset"/>
    /// and makes it a view there; the tensor keeps its identity (layers, optimizers and user code
    /// holding it see the move). How a model gathers its parameters into one arena.</summary>
    internal void MoveInto(Storage storage, int offset)
    {
        var old = Storage;
        if (storage.Device != Device || storage.DType != DType)
            throw new ArgumentException($"Cannot move a {DType.Name()} tensor on {Device} into {storage.DType.Name()} storage on {storage.Device}.");
        if (offset < 0 || (long)offset + Size > storage.Length)
            throw new ArgumentException($"A tensor of shape {Shape} does not fit at element {offset} of a storage of {storage.Length} elements.");
        storage.AddRef();
        using (TensorScope.Untracked())
        using (var target = Create(storage, Shape, offset))
            Backend.Copy(this, target, Size);
        storage.AddRef();
        _storage = storage;
        Offset = offset;
        old.Release();
    }

    /// <summary>Differentiable reshape (a view when possible; one dimension may be -1).</summary>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);

    /// <summary>Lets go of the storage and the recorded op. A tensor made during a training step and
    /// disposed before it ends goes to <see cref="TensorRecycler"/> (it is dead from then on).</summary>
    public void Dispose() => Release(_step != 0 && _step == TensorRecycler.CurrentStep);

    /// <summary>Disposes a tensor only the library holds (a batch Fit cut from the user's arrays) and
    /// hands its objects to <see cref="TensorRecycler"/> wherever it was made.</summary>
    internal void DisposeForReuse() => Release(recycle: true);

    private void Release(bool recycle)
    {
        if (_dead) return;
        var s = Interlocked.Exchange(ref _storage, null);
        ActivationLogits = null;
        var node = GradFn;
        GradFn = null;
        var op = node?.Op;
        node?.Recycle();
        if (IsLeaf && Grad is { } g)
        {
            Grad = null;
            g.Dispose();
        }
        if (s is not null && s.Release() && recycle && s is CpuStorage cpu && cpu.Reusable) TensorRecycler.Give(cpu);
        if (!recycle) return;
        _dead = true;
        _deadOp = op ?? Name;
        _requiresGrad = false;
        Name = null;
        TensorRecycler.Give(this);
    }

    public override string ToString() =>
        _dead ? $"Tensor(shape={_shape}, released at the end of its step)" : $"Tensor(shape={_shape}, dtype={_dtype.Name()}, device={_device}{(_storage is null ? ", disposed" : "")}{(RequiresGrad ? ", requires_grad" : "")})";
}
