using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Maps a device to the backend that runs its kernels. The CPU backend is always there;
/// GPU backends register themselves when first created.</summary>
public static class BackendRegistry
{
    private static readonly Dictionary<Device, IBackend> Backends = new() { [Device.Cpu] = CpuBackend.Instance };
    private static Func<Device, IBackend>? _cudaFactory;

    /// <summary>Installed by the CUDA backend so that Device.Cuda(i) resolves lazily.</summary>
    internal static void RegisterCudaFactory(Func<Device, IBackend> factory) => _cudaFactory = factory;

    /// <summary>Makes <paramref name="backend"/> the one for its device (tests: a GPU backend over a
    /// stand-in queue, so tensors created on that device use it). Fails if the device has one already.</summary>
    internal static void Register(IBackend backend)
    {
        lock (Backends)
            if (!Backends.TryAdd(backend.Device, backend))
                throw new InvalidOperationException($"{backend.Device} already has a backend.");
    }

    public static IBackend For(Device device)
    {
        lock (Backends)
        {
            if (Backends.TryGetValue(device, out var b)) return b;
            if (device.IsCuda)
            {
                var factory = _cudaFactory ?? throw new InvalidOperationException(
                    $"No CUDA backend is available for {device}; use Device.Cpu, or check `engine info` for why CUDA did not load.");
                b = factory(device);
                Backends[device] = b;
                return b;
            }
            throw new ArgumentException($"No backend for device {device}.");
        }
    }
}
