using Engine.Tensors;

namespace Engine.Metrics;

public abstract partial class Metric : IDisposable
{
    // The running sums, float64 on the device of the predictions; created by the first Update.
    private Tensor? _accumulator;

    // True once an Update has added to the buffer since the last Reset (host-side, no sync needed).
    private bool _dirty;

    /// <summary>The accumulator of <paramref name="length"/> float64 values on <paramref name="device"/>,
    /// created as zeros on first use (or after a Reset, when the device or size changed).</summary>
    protected Tensor Accumulator(Device device, int length)
    {
        if (_accumulator is { } a && a.Device == device && a.Size == length)
        {
            // Under a CUDA graph capture the update runs on each replay, so the flag is set then.
            Cuda.GraphCapture.HostUpdate(this, static m => m._dirty = true);
            return a;
        }
        if (_accumulator is { } old && _dirty)
            throw new InvalidOperationException(old.Device != device
                ? $"Metric '{Name}' has accumulated values on {old.Device}; it received predictions on {device}. Call Reset() before moving to another device."
                : $"Metric '{Name}' has accumulated {old.Size} counts; this update needs {length} (the number of classes changed?). Call Reset() first.");
        _accumulator?.Dispose();
        using (TensorScope.Untracked())
            _accumulator = Tensor.Zeros(new Shape(length), DType.Float64, device);
        _dirty = true;
        return _accumulator;
    }

    /// <summary>The accumulated values, copied to the host (the one read per Result), or null when
    /// nothing was accumulated since the last reset.</summary>
    protected double[]? ReadAccumulator() => _dirty && _accumulator is { } a ? a.ToArray<double>() : null;

    /// <summary>Copies the first into.Length accumulated values to <paramref name="into"/> (no array per
    /// read); false when nothing was accumulated since the last reset.</summary>
    protected bool TryReadAccumulator(Span<double> into)
    {
        if (!_dirty || _accumulator is not { } a) return false;
        a.Storage.CopyTo(a.Offset, into);
        return true;
    }

    /// <summary>Zeroes the accumulator in place (no reallocation, no host sync).</summary>
    protected void ResetAccumulator()
    {
        if (_accumulator is { } a && _dirty) a.Backend.Fill(a, 0, a.Size);
        _dirty = false;
    }

    /// <summary>The extent the last update saw (classes or labels) where the result needs it.</summary>
    private protected virtual int Extent
    {
        get => 0;
        set { }
    }

    /// <summary>The running sums (host copy) and extent, or null when nothing was accumulated since the
    /// last reset: what a mid-epoch backup keeps of the metric.</summary>
    internal (Tensor Sums, int Extent)? SaveState() => _dirty && _accumulator is { } a ? (a.To(Device.Cpu), Extent) : null;

    /// <summary>Puts state from <see cref="SaveState"/> back, on <paramref name="device"/>.</summary>
    internal void RestoreState(Tensor sums, int extent, Device device)
    {
        _accumulator?.Dispose();
        using (TensorScope.Untracked()) _accumulator = sums.To(device);
        _dirty = true;
        Extent = extent;
    }

    /// <summary>Frees the device buffer.</summary>
    public void Dispose()
    {
        _accumulator?.Dispose();
        _accumulator = null;
        _dirty = false;
        GC.SuppressFinalize(this);
    }

    /// <summary>a / b, or 0 when b is 0 (Keras's divide_no_nan; sklearn's zero_division=0).</summary>
    protected static double Ratio(double a, double b) => b == 0 ? 0 : a / b;
}
