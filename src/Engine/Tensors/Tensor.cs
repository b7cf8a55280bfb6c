using Engine.Autograd;
using Engine.Backends;

namespace Engine.Tensors;

/// <summary>An n-dimensional, contiguous, row-major (NCHW for images) array on one device, with the
/// autograd bookkeeping (<see cref="RequiresGrad"/>, <see cref="Grad"/>) that the tape needs.
/// Creation helpers live in Tensor.Create.cs, host access in Tensor.Access.cs.</summary>
public sealed partial class Tensor : IDisposable
{
    private Storage? _storage;

    internal Tensor(Storage storage, Shape shape, int offset = 0)
    {
        if (offset < 0 || (long)offset + shape.Size > storage.Length)
            throw new ArgumentException($"A view of shape {shape} at element {offset} does not fit in a storage of {storage.Length} elements.");
        _storage = storage;
        Offset = offset;
        Shape = shape;
        DType = storage.DType;
        Device = storage.Device;
        TensorScope.Track(this);
    }

    public Shape Shape { get; }

    /// <summary>Index of this tensor's first element in its storage: 0, except for views into a
    /// shared buffer such as a model's parameter arena.</summary>
    internal int Offset { get; private set; }

    public DType DType { get; }

    public Device Device { get; }

    public int Rank => Shape.Rank;

    /// <summary>Number of elements.</summary>
    public int Size => Shape.Size;

    /// <summary>Optional name used in error messages and gradient-check reports.</summary>
    public string? Name { get; set; }

    public bool IsDisposed => _storage is null;

    /// <summary>The buffer. Throws if this tensor was disposed.</summary>
    public Storage Storage => _storage ?? throw new ObjectDisposedException(
        nameof(Tensor), $"Tensor{(Name is null ? "" : $" '{Name}'")} of shape {Shape} was used after Dispose (or after its TensorScope closed).");

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
        return new Tensor(Storage, Shape, Offset) { Name = Name };
    }

    /// <summary>A view of the same storage with another shape (no copy). Not differentiable; use
    /// <see cref="Ops.Reshape"/> inside a model.</summary>
    internal Tensor View(Shape shape)
    {
        Storage.AddRef();
        return new Tensor(Storage, shape, Offset);
    }

    /// <summary>A view of <paramref name="shape"/> into <paramref name="storage"/> at element
    /// <paramref name="offset"/> (the storage gains a reference).</summary>
    internal static Tensor ViewOf(Storage storage, Shape shape, int offset)
    {
        storage.AddRef();
        return new Tensor(storage, shape, offset);
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
        using (var target = new Tensor(storage, Shape, offset))
            Backend.Copy(this, target, Size);
        storage.AddRef();
        _storage = storage;
        Offset = offset;
        old.Release();
    }

    /// <summary>Differentiable reshape (a view when possible; one dimension may be -1).</summary>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);

    public void Dispose()
    {
        var s = Interlocked.Exchange(ref _storage, null);
        s?.Release();
        var node = GradFn;
        GradFn = null;
        node?.Recycle();
        if (IsLeaf && Grad is { } g)
        {
            Grad = null;
            g.Dispose();
        }
    }

    public override string ToString() =>
        $"Tensor(shape={Shape}, dtype={DType.Name()}, device={Device}{(_storage is null ? ", disposed" : "")}{(RequiresGrad ? ", requires_grad" : "")})";
}
