namespace Engine.Tensors;

/// <summary>Collects every tensor created on this thread while it is open and disposes them when it
/// closes, so a training step's temporaries never wait for the garbage collector. Tensors that
/// must outlive the scope are handed out with <see cref="Keep"/>.
/// <code>
/// using (var scope = new TensorScope()) { var loss = ...; lossValue = loss.Item(); }
/// </code></summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    [ThreadStatic] private static int _suspended;

    private TensorScope? _parent;
    // Each entry remembers the tensor's incarnation: a tensor disposed early inside a training step
    // may already serve as another tensor (TensorRecycler), and that later life is not this entry's.
    private readonly List<(Tensor Tensor, int Incarnation)> _tensors = [];
    private bool _disposed;

    public TensorScope()
    {
        _parent = _current;
        _current = this;
    }

    /// <summary>Opens <paramref name="scope"/> again after it was disposed (or a new one when null), so
    /// that a loop of steps reuses one scope object and its list (a training step).</summary>
    internal static TensorScope Reopen(ref TensorScope? scope)
    {
        if (scope is null) return scope = new TensorScope();
        if (!scope._disposed) throw new InvalidOperationException("A TensorScope can only be reopened after it was disposed.");
        scope._disposed = false;
        scope._parent = _current;
        _current = scope;
        return scope;
    }

    /// <summary>Spare scopes of <see cref="Rent"/> on this thread.</summary>
    [ThreadStatic] private static Stack<TensorScope>? _spare;

    private bool _rented;

    /// <summary>A scope like <c>new TensorScope()</c> taken from this thread's spares and given back by
    /// Dispose, for library code that opens one per call (a metric update): no allocation once warm.
    /// The caller must not touch it after disposing it.</summary>
    internal static TensorScope Rent()
    {
        if (_spare is not { Count: > 0 } spare) return new TensorScope { _rented = true };
        var scope = spare.Pop();
        return Reopen(ref scope!);
    }

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count => _tensors.Count;

    internal static void Track(Tensor t)
    {
        if (_suspended == 0) _current?._tensors.Add((t, t.Incarnation));
    }

    /// <summary>Removes <paramref name="t"/> from this scope and hands it to the enclosing scope
    /// (or to no scope at all), so that it survives this scope's end.</summary>
    public Tensor Keep(Tensor t)
    {
        var i = _tensors.IndexOf((t, t.Incarnation));
        if (i >= 0)
        {
            _tensors.RemoveAt(i);
            _parent?._tensors.Add((t, t.Incarnation));
        }
        return t;
    }

    /// <summary>While the returned handle is alive, new tensors on this thread belong to no scope
    /// (layer weights, optimizer state, leaf gradients).</summary>
    public static UntrackedRegion Untracked()
    {
        _suspended++;
        return new UntrackedRegion(_suspended);
    }

    /// <summary>The handle of <see cref="Untracked"/> (a struct: opening one allocates nothing).
    /// Disposing it ends the region it opened, once.</summary>
    public struct UntrackedRegion : IDisposable
    {
        private int _depth;

        internal UntrackedRegion(int depth) => _depth = depth;

        // _depth only marks the handle as live (0 = disposed or default).

        public void Dispose()
        {
            if (_depth == 0) return;
            _depth = 0;
            _suspended--;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current != this)
            throw new InvalidOperationException("TensorScopes must be disposed in the reverse order of their creation.");
        _current = _parent;
        foreach (var (t, incarnation) in _tensors)
            if (t.Incarnation == incarnation) t.Dispose();
        _tensors.Clear();
        if (_rented) (_spare ??= new Stack<TensorScope>()).Push(this);
    }
}
