using Engine.Backends;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>How CUDA tests find what they need, and how they skip (visibly) when it is missing.</summary>
internal static class CudaTestSupport
{
    /// <summary>The real GPU backend for a hardware-only test (<paramref name="needs"/>: what the
    /// emulator cannot stand in for), or a skip naming that and why there is no GPU.</summary>
    public static CudaBackend RequireGpu(string needs)
    {
        if (!CudaBackend.IsAvailable) Assert.Skip($"Needs a real GPU ({needs}); no CUDA device: " + FirstLine(CudaBackend.UnavailableReason));
        return CudaBackend.ForDevice(0);
    }

    public const string EmulatorVariable = "ENGINE_CUDA_EMULATOR";

    private static readonly Lazy<CudaBackend?> Emulated = new(() =>
        KernelEmulator.Find() is { Path: { } path } ? new CudaBackend(new EmulatedQueue(path)) : null);

    /// <summary>The backend the parity tests compare with the CPU: the real GPU; without one, the
    /// CPU kernel emulator (see <see cref="KernelEmulator.Find"/>); otherwise a skip naming why.</summary>
    public static CudaBackend ParityBackend() =>
        CudaBackend.IsAvailable ? CudaBackend.ForDevice(0) : Emulated.Value ?? RequireGpuOrEmulator();

    /// <summary>Skips (fails under CI=true, where .ci/run builds the emulator) naming both what is
    /// missing: a GPU, and a usable kernel emulator.</summary>
    private static CudaBackend RequireGpuOrEmulator()
    {
        var emulator = KernelEmulator.Find();
        var why = "No CUDA device (" + FirstLine(CudaBackend.UnavailableReason) + ") and " + emulator.Problem;
        if (IsCi) Assert.Fail("CI=true, so the CUDA tests must run on the kernel emulator, but: " + why);
        Assert.Skip(why);
        return null!;
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    // Stand-in backends reachable through the registry (Tensor.To, Model.Compile(device: …)) by their device.
    private static readonly Dictionary<Device, CudaBackend> StandIns = new();

    private static void RegisterStandIn(CudaBackend backend)
    {
        lock (StandIns)
        {
            StandIns[backend.Device] = backend;
            // These devices now resolve to the stand-ins; every other index still goes to the real driver.
            BackendRegistry.RegisterCudaFactory(d =>
            {
                lock (StandIns) return StandIns.TryGetValue(d, out var b) ? b : new CudaBackend(d);
            });
        }
    }

    private static readonly Lazy<Device?> EmulatedDevice = new(() =>
    {
        if (Emulated.Value is not { } emulated) return null;
        RegisterStandIn(emulated);
        return emulated.Device;
    });

    private static readonly Dictionary<int, (CudaBackend Backend, CheckingQueue Queue)> Checking = new();

    /// <summary>cuda:<paramref name="index"/> (6 unless a test needs a backend of its own, e.g. to
    /// measure memory), a checking queue reachable through the registry: launches are checked, not
    /// run. Tests that train models on one are in the cuda collection.</summary>
    public static (Device Device, CudaBackend Backend, CheckingQueue Queue) CheckingDevice(int index = 6)
    {
        lock (Checking)
        {
            if (!Checking.TryGetValue(index, out var made))
            {
                var queue = new CheckingQueue(index: index);
                Checking[index] = made = (new CudaBackend(queue), queue);
                RegisterStandIn(made.Backend);
            }
            return (made.Backend.Device, made.Backend, made.Queue);
        }
    }

    /// <summary>The device for end-to-end tests through the ordinary ops (Tensor.To, Ops.*, the
    /// registry): cuda:0 with a GPU, the emulated device with the kernel emulator, else a skip.</summary>
    public static Device TrainingDevice()
    {
        if (CudaBackend.IsAvailable) return Device.Cuda(0);
        if (EmulatedDevice.Value is { } d) return d;
        RequireGpuOrEmulator();
        return default;
    }

    public static CudaBackend BackendOf(Device device) => (CudaBackend)BackendRegistry.For(device);

    public static bool IsEmulated(CudaBackend backend) => backend.DeviceName.Contains("emulator", StringComparison.Ordinal);

    /// <summary>NVRTC must load in CI (CI=true: the CI script installs it); elsewhere its absence skips.</summary>
    public static void RequireNvrtc()
    {
        var nvrtc = CudaLibraries.Get(NativeLibrarySpec.Nvrtc);
        if (nvrtc.Loaded) return;
        if (IsCi)
            Assert.Fail("CI=true but NVRTC could not be loaded, so the kernels cannot be compile-checked:\n" + nvrtc.NotFoundMessage);
        Assert.Skip("NVRTC is not installed (Debian: apt-get install libnvrtc11.2 from non-free): " + FirstLine(nvrtc.NotFoundMessage));
    }

    /// <summary>The allocator's statistics once every forgotten tensor has been finalized. Tests in
    /// the cuda collection share backends, so a tensor an earlier test dropped without Dispose may
    /// be finalized inside a later test's measured window and return its block there; measuring
    /// after settling twice (a finalizer can release what held another finalizable object) keeps
    /// exact byte counts exact.</summary>
    public static CudaMemoryStats SettledMemoryStats(CudaBackend gpu)
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        gpu.Synchronize();
        return gpu.MemoryStats;
    }

    /// <summary>How far the driver's free memory (cuMemGetInfo) may move over a window in which our
    /// allocator asked the driver for nothing: 8 MiB. The driver allocates for itself out of our
    /// sight, in 2 MiB pages (modules loaded lazily on first launch, the CUDA 12+ default; cuBLAS's
    /// kernels for a new shape; graph uploads), so exact equality fails on a healthy GPU. Our own
    /// leaks are caught exactly by DriverAllocations and ReservedBytes; this bound catches a leak
    /// outside our allocator (e.g. one graph exec or cuBLAS workspace per step: ≥ 80 KiB a step over
    /// 100 steps).</summary>
    public const long DriverFreeMemoryTolerance = 8L << 20;

    public static void AssertDriverFreeMemoryFlat(long before, long after, string window)
    {
        var moved = after - before;
        Assert.True(Math.Abs(moved) <= DriverFreeMemoryTolerance,
            $"the driver's free memory moved by {moved} bytes over {window} (tolerance ±{DriverFreeMemoryTolerance} bytes: " +
            $"driver-internal pages); before {before}, after {after}");
    }

    public static string FirstLine(string? text) => (text ?? "unknown reason").Split('\n')[0].Trim();

    /// <summary>A copy of a host tensor in <paramref name="backend"/>'s memory (not through the
    /// registry, so it works for any CudaBackend instance).</summary>
    public static Tensor ToBackend(Tensor host, CudaBackend backend)
    {
        var storage = backend.Allocate(host.DType, host.Size);
        switch (host.DType)
        {
            case DType.Float32: storage.CopyFrom<float>(host.ToArray<float>()); break;
            case DType.Int32: storage.CopyFrom<int>(host.ToArray<int>()); break;
            case DType.Float64: storage.CopyFrom<double>(host.ToArray<double>()); break;
            default: throw new NotSupportedException(host.DType.Name());
        }
        return new Tensor(storage, host.Shape);
    }
}
