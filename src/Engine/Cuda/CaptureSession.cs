namespace Engine.Cuda;

/// <summary>What a backend learns while it captures a graph: the storages allocated during the
/// capture (the graph's own temporaries), the storages the captured work touches, and the host
/// bookkeeping to repeat on each replay (<see cref="GraphCapture.HostUpdate{T}"/>).</summary>
internal sealed class CaptureSession
{
    private readonly HashSet<CudaStorage> _created = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<CudaStorage> _used = new(ReferenceEqualityComparer.Instance);
    private readonly List<Action> _hostUpdates = [];

    public void Created(CudaStorage storage) => _created.Add(storage);

    public void Used(CudaStorage storage) => _used.Add(storage);

    public void AddHostUpdate(Action update) => _hostUpdates.Add(update);

    /// <summary>Storages the graph reads or writes that it does not own: weights, gradients, metric
    /// sums, static inputs. The graph is only valid while none of them has been freed.</summary>
    public CudaStorage[] External() => _used.Where(s => !_created.Contains(s)).ToArray();

    public CudaStorage[] CreatedStorages() => _created.ToArray();

    public Action[] HostUpdates() => _hostUpdates.ToArray();
}
