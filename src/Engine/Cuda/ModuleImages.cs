namespace Engine.Cuda;

/// <summary>What a kernel module was loaded from: machine code for the GPU (cubin, sm_XX) or PTX
/// (compute_XX) that the driver compiled; and, after a fallback, why the cubin was not used.</summary>
public sealed record KernelImageChoice(string File, bool Cubin, int Arch, string NvrtcVersion, string? FallbackReason)
{
    public override string ToString() =>
        $"{File}: {(Cubin ? $"cubin sm_{Arch}" : $"PTX compute_{Arch}")} (NVRTC {NvrtcVersion})" +
        (FallbackReason is null ? "" : $"; cubin not used: {FallbackReason}");
}

/// <summary>How a kernel file becomes a loaded module. First a cubin for the device's own sm_XX:
/// no JIT at start-up, and it loads on a driver older than NVRTC within the same major version
/// (PTX from a newer NVRTC carries a PTX ISA such a driver refuses with
/// CUDA_ERROR_UNSUPPORTED_PTX_VERSION). If NVRTC cannot target sm_XX, cannot make a cubin, or the
/// driver refuses it as an image, PTX for the newest compute_XX that NVRTC and the device share;
/// the driver JIT-compiles that, and runs it on GPUs newer than the compiler too. Each choice is
/// recorded (<see cref="Choices"/>, `engine info`) and, with ENGINE_CUDA_VERBOSE=1, printed.</summary>
internal static class ModuleImages
{
    public const string VerboseVariable = "ENGINE_CUDA_VERBOSE";

    private static readonly List<KernelImageChoice> Made = [];

    /// <summary>Every module loaded in this process so far, in order.</summary>
    public static IReadOnlyList<KernelImageChoice> Choices
    {
        get
        {
            lock (Made) return Made.ToArray();
        }
    }

    /// <summary>What the image steps need from NVRTC and the driver (delegates, so that tests can
    /// play a driver that refuses cubins or PTX).</summary>
    public interface ILoader
    {
        string NvrtcVersion { get; }

        byte[] CompileCubin(int arch);

        byte[] CompilePtx(int arch);

        /// <summary>cuModuleLoadData: the status and, on success, the module.</summary>
        (CuResult Status, nint Module) Load(byte[] image);

        /// <summary>Throws the checked error for a failed load that is no image refusal.</summary>
        void Fail(CuResult status, string call);

        string DriverVersion { get; }
    }

    public static (nint Module, KernelImageChoice Choice) Load(string file, int deviceArch, IReadOnlyList<int> supported, ILoader loader)
    {
        string? why;
        // An empty list: NVRTC cannot list its targets (before 11.2); try the device's own.
        if (supported.Count == 0 || supported.Contains(deviceArch))
        {
            why = TryCubin(file, deviceArch, loader, out var module);
            if (why is null) return (module, Record(new(file, true, deviceArch, loader.NvrtcVersion, null)));
        }
        else
        {
            why = $"NVRTC {loader.NvrtcVersion} cannot target sm_{deviceArch}";
        }

        var arch = KernelCompiler.ChooseArchitecture(deviceArch, supported);
        var ptx = loader.CompilePtx(arch);
        var (status, ptxModule) = loader.Load(ptx);
        if (status == CuResult.UnsupportedPtxVersion)
            throw new CudaException(
                $"The driver (CUDA {loader.DriverVersion}) cannot load the PTX that NVRTC {loader.NvrtcVersion} made for {file} " +
                $"(CUDA_ERROR_UNSUPPORTED_PTX_VERSION: NVRTC is newer than the driver), and the cubin was not usable either ({why}). " +
                $"Use an NVRTC no newer than the driver, e.g. by pointing {LibrarySearch.LibDirVariable} at a matching toolkit's lib64. " +
                $"Loaded NVRTC: {CudaLibraries.Get(NativeLibrarySpec.Nvrtc).Path ?? "(none)"}.");
        if (status != CuResult.Success) loader.Fail(status, $"cuModuleLoadData({file}, compute_{arch} PTX)");
        return (ptxModule, Record(new(file, false, arch, loader.NvrtcVersion, why)));
    }

    /// <summary>Null when the cubin loaded (module set); else why not, for the fallback's record.</summary>
    private static string? TryCubin(string file, int arch, ILoader loader, out nint module)
    {
        module = 0;
        byte[] cubin;
        try
        {
            cubin = loader.CompileCubin(arch);
        }
        catch (EntryPointNotFoundException)
        {
            return $"NVRTC {loader.NvrtcVersion} has no nvrtcGetCUBIN";
        }
        catch (CudaException e) when (e is not CudaCompileException)
        {
            return $"NVRTC could not make it: {e.StatusName ?? e.Message}";
        }
        var (status, loaded) = loader.Load(cubin);
        if (status == CuResult.Success)
        {
            module = loaded;
            return null;
        }
        if (status.IsImageRefusal()) return $"the driver refused it ({status.FallbackName()})";
        loader.Fail(status, $"cuModuleLoadData({file}, sm_{arch} cubin)");
        return "unreachable";
    }

    private static KernelImageChoice Record(KernelImageChoice choice)
    {
        lock (Made) Made.Add(choice);
        if (Environment.GetEnvironmentVariable(VerboseVariable) == "1") Console.Error.WriteLine("Engine: kernel module " + choice);
        return choice;
    }
}
