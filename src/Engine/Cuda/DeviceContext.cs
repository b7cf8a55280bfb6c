using System.Runtime.CompilerServices;
using Engine.Tensors;

namespace Engine.Cuda;

/// <summary>One GPU's primary context, made current on whichever thread calls, and the checking of
/// every driver status made in it. After a sticky error (illegal address, launch failure, …) the
/// context is unusable: <see cref="Enter"/> refuses every later call with an exception that says so
/// instead of hanging or returning garbage.</summary>
internal sealed class DeviceContext : IDisposable
{
    [ThreadStatic] private static nint _currentContext;

    private readonly int _cuDevice;
    private readonly nint _context;
    private readonly ContextPoison _poison = new();

    public DeviceContext(int ordinal)
    {
        CudaLibraries.Require(NativeLibrarySpec.Driver);
        CudaCheck.ThrowIfFailed(Driver.cuInit(0));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetCount(out var count));
        if (ordinal < 0 || ordinal >= count)
            throw new ArgumentOutOfRangeException(nameof(ordinal), ordinal, $"There is no CUDA device {ordinal}; this machine has {count} (cuda:0 … cuda:{count - 1}).");
        Device = Device.Cuda(ordinal);
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGet(out _cuDevice, ordinal));
        DeviceName = CudaInfo.DeviceNameOf(_cuDevice);
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetAttribute(out var sms, DeviceAttribute.MultiprocessorCount, _cuDevice));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetAttribute(out var major, DeviceAttribute.ComputeCapabilityMajor, _cuDevice));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetAttribute(out var minor, DeviceAttribute.ComputeCapabilityMinor, _cuDevice));
        MultiprocessorCount = sms;
        ComputeCapability = major * 10 + minor;
        CudaCheck.ThrowIfFailed(Driver.cuDevicePrimaryCtxRetain(out _context, _cuDevice));
        MakeCurrent();
    }

    public Device Device { get; }

    public string DeviceName { get; }

    public int MultiprocessorCount { get; }

    /// <summary>10·major + minor (90 for an H100).</summary>
    public int ComputeCapability { get; }

    /// <summary>The kernel (or "cublas gemm", "CUDA graph replay") queued last: an asynchronous error
    /// reported by a later call most likely came from it, so error messages name it.</summary>
    public string? LastKernel { get; set; }

    /// <summary>True after a sticky error: the context refuses further work.</summary>
    public bool IsPoisoned => _poison.Error is not null;

    /// <summary>Makes this device's primary context current on the calling thread (cheap when it already is).</summary>
    public void MakeCurrent()
    {
        if (_currentContext == _context) return;
        CudaCheck.ThrowIfFailed(Driver.cuCtxSetCurrent(_context));
        _currentContext = _context;
    }

    /// <summary>Every operation starts here: refuse work on a poisoned context, then bind it to this thread.</summary>
    public void Enter()
    {
        _poison.ThrowIfPoisoned(Device);
        MakeCurrent();
    }

    /// <summary>Checks a driver status: names the call and the kernel, and remembers sticky errors.</summary>
    public void Check(CuResult status, string? kernel = null, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status == CuResult.Success) return;
        var error = CudaCheck.Error(status, call, kernel, kernel is null ? LastKernel : null);
        _poison.Note(error);
        throw error;
    }

    /// <summary>Checks a cuBLAS status; an execution failure poisons the context like a sticky driver error.</summary>
    public void CheckCublas(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status == Cublas.StatusSuccess) return;
        var error = Cublas.Error(status, call, "cublas gemm");
        _poison.Note(error);
        throw error;
    }

    /// <summary>Releases the primary context (the driver destroys it with its last user).</summary>
    public void Dispose() => Driver.cuDevicePrimaryCtxRelease_v2(_cuDevice);
}
