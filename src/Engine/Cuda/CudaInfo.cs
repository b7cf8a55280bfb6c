using System.Text;

namespace Engine.Cuda;

/// <summary>One GPU as the driver describes it.</summary>
public sealed record CudaDeviceInfo(int Index, string Name, string ComputeCapability, long TotalMemoryBytes, int MultiprocessorCount);

/// <summary>Where a CUDA library was loaded from, its version, or why it could not be loaded.</summary>
public sealed record CudaLibraryInfo(string Name, string? Path, string? Version, string? Error);

/// <summary>What this machine offers the CUDA backend: GPUs, the driver's CUDA version, the NVRTC
/// and cuBLAS versions and the file each library came from, or why CUDA is unavailable.
/// <see cref="Query"/> never throws; `engine info` prints <see cref="ToString"/>.</summary>
public sealed record CudaInfo(
    bool Available,
    string? UnavailableReason,
    string? DriverCudaVersion,
    IReadOnlyList<CudaDeviceInfo> Devices,
    IReadOnlyList<CudaLibraryInfo> Libraries)
{
    public static CudaInfo Query()
    {
        var libraries = new List<CudaLibraryInfo>();
        var devices = new List<CudaDeviceInfo>();
        string? reason = null;
        string? driverVersion = null;

        var driver = CudaLibraries.Get(NativeLibrarySpec.Driver);
        if (!driver.Loaded)
        {
            reason = driver.NotFoundMessage;
            libraries.Add(new("CUDA driver", null, null, "not found"));
        }
        else
        {
            try
            {
                driverVersion = DriverVersionString();
                var init = Driver.cuInit(0);
                if (init != CuResult.Success)
                {
                    var (name, text) = Driver.Describe(init);
                    reason = $"cuInit failed with {name}: {text}.";
                }
                else
                {
                    CudaCheck.ThrowIfFailed(Driver.cuDeviceGetCount(out var count));
                    for (var i = 0; i < count; i++) devices.Add(DescribeDevice(i));
                    if (count == 0) reason = "The CUDA driver is installed but reports no GPU.";
                }
            }
            catch (Exception e) when (e is CudaException or EntryPointNotFoundException)
            {
                reason = e.Message;
            }
            libraries.Add(new("CUDA driver", driver.Path, driverVersion, null));
        }

        libraries.Add(Describe(NativeLibrarySpec.Nvrtc, () => KernelCompiler.VersionString));
        libraries.Add(Describe(NativeLibrarySpec.Cublas, Cublas.VersionString));
        return new CudaInfo(reason is null && devices.Count > 0, reason, driverVersion, devices, libraries);
    }

    private static CudaLibraryInfo Describe(NativeLibrarySpec spec, Func<string> version)
    {
        var lib = CudaLibraries.Get(spec);
        if (!lib.Loaded) return new(spec.Display, null, null, lib.NotFoundMessage);
        try
        {
            return new(spec.Display, lib.Path, version(), null);
        }
        catch (Exception e) when (e is CudaException or EntryPointNotFoundException)
        {
            return new(spec.Display, lib.Path, null, e.Message);
        }
    }

    private static CudaDeviceInfo DescribeDevice(int ordinal)
    {
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGet(out var device, ordinal));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetAttribute(out var major, DeviceAttribute.ComputeCapabilityMajor, device));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetAttribute(out var minor, DeviceAttribute.ComputeCapabilityMinor, device));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetAttribute(out var sms, DeviceAttribute.MultiprocessorCount, device));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceTotalMem_v2(out var total, device));
        return new(ordinal, DeviceNameOf(device), $"{major}.{minor}", (long)total, sms);
    }

    internal static unsafe string DeviceNameOf(int device)
    {
        var buffer = stackalloc byte[256];
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetName(buffer, 256, device));
        return new string((sbyte*)buffer).Trim();
    }

    /// <summary>The CUDA version the driver supports, "13.0" (cuDriverGetVersion gives 13000).</summary>
    internal static string DriverVersionString()
    {
        CudaCheck.ThrowIfFailed(Driver.cuDriverGetVersion(out var v));
        return $"{v / 1000}.{v % 1000 / 10}";
    }

    public override string ToString()
    {
        var s = new StringBuilder();
        s.AppendLine(Available ? "CUDA: available" : "CUDA: not available");
        if (UnavailableReason is not null) s.AppendLine("  reason: " + UnavailableReason.ReplaceLineEndings(Environment.NewLine + "    "));
        if (DriverCudaVersion is not null) s.AppendLine($"  driver supports CUDA {DriverCudaVersion}");
        foreach (var d in Devices)
            s.AppendLine($"  cuda:{d.Index}  {d.Name}, compute capability {d.ComputeCapability}, {CudaOutOfMemoryException.Bytes(d.TotalMemoryBytes)}, {d.MultiprocessorCount} SMs");
        foreach (var l in Libraries)
        {
            if (l.Path is not null)
                s.AppendLine($"  {l.Name} {l.Version ?? "(version unknown)"}: {l.Path}");
            else
                s.AppendLine($"  {l.Name}: not loaded — {(l.Error ?? "unknown reason").ReplaceLineEndings(Environment.NewLine + "    ")}");
        }
        // Kernel modules are loaded on first use: listed once some have been (cubin or PTX, and why).
        foreach (var m in ModuleImages.Choices) s.AppendLine("  kernel module " + m);
        return s.ToString().TrimEnd();
    }
}
