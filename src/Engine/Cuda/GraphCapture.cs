using Engine.Tensors;

namespace Engine.Cuda;

/// <summary>The CUDA graph capture under way on this thread, if any (set by
/// <see cref="Engine.Backends.CudaBackend"/> while it captures). While work is captured it is recorded,
/// not run: host code must not read results back, and host-side bookkeeping that belongs to the
/// captured work (a loss tracker's sample count, a metric's "has data" flag) must happen when the
/// work really runs, i.e. on each replay. <see cref="HostUpdate{T}"/> does exactly that.</summary>
internal static class GraphCapture
{
    [ThreadStatic] private static CaptureSession? _current;

    /// <summary>True while a graph is being captured on this thread.</summary>
    public static bool IsActive => _current is not null;

    internal static CaptureSession? Current => _current;

    /// <summary>Applies a host-side update that goes with work just queued on the GPU: now, or,
    /// during a capture, on every replay of the captured graph instead (not now: the captured work
    /// has not run). A static lambda plus a state keeps the eager path free of allocations.</summary>
    public static void HostUpdate<T>(T state, Action<T> update)
    {
        if (_current is { } session) Defer(session, state, update);
        else update(state);
    }

    // Apart, so that the eager path above does not make the closure (C# creates it where the
    // captured parameters come into scope: at the top of the method that holds the lambda).
    private static void Defer<T>(CaptureSession session, T state, Action<T> update) => session.AddHostUpdate(() => update(state));

    internal static void Enter(CaptureSession session)
    {
        if (_current is not null)
            throw new InvalidOperationException("A CUDA graph is already being captured on this thread; captures cannot be nested.");
        _current = session;
    }

    internal static void Exit() => _current = null;

    /// <summary>The error every queue raises for an operation that cannot be part of a graph.</summary>
    public static CudaException Forbidden(string operation, Device device) => new(
        $"{operation} is not allowed while a CUDA graph is being captured on {device}: captured work is recorded, not run, " +
        "so nothing may wait for the GPU, read results back, copy from short-lived host memory or return memory to the driver " +
        "until the capture ends. Do it before or after the capture (a model with CUDA graphs on falls back to eager training).");
}
