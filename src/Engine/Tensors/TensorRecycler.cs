namespace Engine.Tensors;

/// <summary>Reuses the <see cref="Tensor"/> and <see cref="CpuStorage"/> objects of a training step.
/// Why: a step makes the same few hundred temporaries every time (op results, gradients, backward
/// scratch); their arrays were already pooled, but each still cost two small objects, which kept
/// the garbage collector busy. Now a warm step allocates nothing.
///
/// The rule is narrow on purpose: only a tensor made on this thread while a step runs
/// (<see cref="BeginStep"/>: the training, test and predict steps) AND disposed before that same
/// step ends comes back here — the step's TensorScope disposes its temporaries, the backward pass
/// its gradients. Weights, optimizer state, results handed to the caller and tensors made outside
/// the step are never disposed inside it, so they are never reused.
///
/// A recycled tensor is dead until it is handed out again: any use throws, naming its op and shape.
/// Under pool poisoning (<see cref="CpuArrayPool.PoisonEnabled"/>, what CI runs with) dead objects
/// are never handed out again, so every use of a stale reference is caught deterministically.</summary>
internal static class TensorRecycler
{
    private const int MaxFree = 4096;

    [ThreadStatic] private static long _step;
    private static long _lastStep; // step ids are unique across threads (a long never wraps)
    [ThreadStatic] private static int _reuseWhilePoisoned;
    [ThreadStatic] private static Stack<Tensor>? _tensors;
    [ThreadStatic] private static Stack<CpuStorage>? _storages;

    /// <summary>The running step on this thread (0: none); a tensor remembers the step it was made in.</summary>
    public static long CurrentStep => _step;

    /// <summary>Starts a step on this thread until the handle is disposed (after the step's scope
    /// closed, so that the scope's tensors still count as this step's).</summary>
    public static StepRegion BeginStep()
    {
        var outer = _step;
        _step = Interlocked.Increment(ref _lastStep);
        return new StepRegion(outer);
    }

    /// <summary>The handle of <see cref="BeginStep"/> (a struct: nothing allocated).</summary>
    public readonly struct StepRegion(long outer) : IDisposable
    {
        public void Dispose() => _step = outer;
    }

    /// <summary>Whether dead objects are handed out again on this thread: not while poisoning, except
    /// inside <see cref="ReuseWhilePoisoned"/> (the allocation tests, which measure the normal mode).</summary>
    private static bool Reuses => _reuseWhilePoisoned > 0 || !CpuArrayPool.PoisonEnabled;

    /// <summary>Reuse dead objects on this thread even under poisoning, until disposed (tests only).</summary>
    internal static ReuseRegion ReuseWhilePoisoned()
    {
        _reuseWhilePoisoned++;
        return new ReuseRegion(true);
    }

    internal struct ReuseRegion(bool live) : IDisposable
    {
        private bool _live = live;

        public void Dispose()
        {
            if (!_live) return;
            _live = false;
            _reuseWhilePoisoned--;
        }
    }

    /// <summary>A dead tensor object to bring back to life, or null (make a new one).</summary>
    public static Tensor? TakeTensor() => Reuses && _tensors is { Count: > 0 } free ? free.Pop() : null;

    /// <summary>A freed storage object to reuse, or null.</summary>
    public static CpuStorage? TakeStorage() => Reuses && _storages is { Count: > 0 } free ? free.Pop() : null;

    /// <summary>Takes a tensor that has just died (its caller marked it dead).</summary>
    public static void Give(Tensor t)
    {
        if (!Reuses) return; // poisoning: the dead object stays dead, so any stale use of it throws
        var free = _tensors ??= new Stack<Tensor>(256);
        if (free.Count < MaxFree) free.Push(t);
    }

    /// <summary>Takes a pooled storage whose last reference has just gone (its array is back in the pool).</summary>
    public static void Give(CpuStorage s)
    {
        if (!Reuses) return;
        var free = _storages ??= new Stack<CpuStorage>(256);
        if (free.Count < MaxFree) free.Push(s);
    }
}
