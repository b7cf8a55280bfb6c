using Engine.Tensors;

namespace Engine.Models;

/// <summary>A running mean of scalar losses kept on the device (Σ n·loss in a device scalar, Σ n on
/// the host), so a training step never waits for the GPU; the value is read once per epoch.</summary>
internal sealed class MeanTracker : IDisposable
{
    private Tensor? _sum;
    private double _count;

    public void Add(Tensor scalar, int n)
    {
        if (_sum is null || _sum.IsDisposed || _sum.Device != scalar.Device || _sum.DType != scalar.DType)
        {
            _sum?.Dispose();
            using var untracked = TensorScope.Untracked();
            _sum = Tensor.Zeros(new Shape(), scalar.DType, scalar.Device);
            _count = 0;
        }
        scalar.Backend.Axpy(n, scalar, _sum, 1);
        // The count goes with the Axpy: under a CUDA graph capture it is added on each replay instead.
        Cuda.GraphCapture.HostUpdate((Tracker: this, N: n), static s => s.Tracker._count += s.N);
    }

    /// <summary>The mean so far (NaN before any update).</summary>
    public double Result() => _sum is null || _count == 0 ? double.NaN : _sum.Item() / _count;

    public void Reset()
    {
        _count = 0;
        if (_sum is { IsDisposed: false }) _sum.Backend.Fill(_sum, 0, 1);
    }

    /// <summary>Σ n·loss (host copy) and Σ n, or null before any update: what a mid-epoch backup keeps.</summary>
    public (Tensor Sum, double Count)? SaveState() => _sum is { IsDisposed: false } sum && _count > 0 ? (sum.To(Device.Cpu), _count) : null;

    /// <summary>Puts state from <see cref="SaveState"/> back, on <paramref name="device"/>.</summary>
    public void RestoreState(Tensor sum, double count, Device device)
    {
        _sum?.Dispose();
        using (TensorScope.Untracked()) _sum = sum.To(device);
        _count = count;
    }

    public void Dispose()
    {
        _sum?.Dispose();
        _sum = null;
    }
}
