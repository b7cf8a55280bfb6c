namespace Engine.Cuda;

/// <summary>The kernel modules loaded into one context and the CUfunction of each kernel: a kernel's
/// file is compiled (or read from the PTX/cubin cache) and loaded on the first launch of any of its
/// kernels.</summary>
internal sealed unsafe class KernelModules(DeviceContext context, StreamCapture capture) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, nint> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, nint> _modules = new(StringComparer.Ordinal);

    /// <summary>The CUfunction of a kernel, loading (and if needed compiling) its file's module on first use.</summary>
    public nint Function(string kernel)
    {
        lock (_lock)
        {
            if (_functions.TryGetValue(kernel, out var f)) return f;
            var file = KernelSources.FileOf(kernel);
            if (!_modules.ContainsKey(file.Name))
            {
                // Loading a module is not stream-ordered work; run each kernel once before capturing (warm-up).
                capture.Forbid($"Loading the kernel module {file.Name} (first use of '{kernel}')");
                Load(file);
            }
            return _functions[kernel];
        }
    }

    private void Load(KernelFile file)
    {
        var (module, _) = ModuleImages.Load(file.Name, context.ComputeCapability, KernelCompiler.SupportedArchitectures(), new ImageLoader(context, file));
        _modules[file.Name] = module;
        foreach (var name in file.Kernels)
        {
            context.Check(Driver.cuModuleGetFunction(out var function, module, name), call: $"cuModuleGetFunction({name})");
            _functions[name] = function;
        }
    }

    /// <summary>Unloads every module (the context is current and the stream idle).</summary>
    public void Dispose()
    {
        foreach (var module in _modules.Values) Driver.cuModuleUnload(module);
    }

    /// <summary>NVRTC and cuModuleLoadData for <see cref="ModuleImages"/>.</summary>
    private sealed class ImageLoader(DeviceContext context, KernelFile file) : ModuleImages.ILoader
    {
        public string NvrtcVersion => KernelCompiler.VersionString;

        public string DriverVersion => CudaInfo.DriverVersionString();

        public byte[] CompileCubin(int arch) => KernelPtx.GetCubin(file, arch);

        public byte[] CompilePtx(int arch) => System.Text.Encoding.UTF8.GetBytes(KernelPtx.Get(file, arch) + "\0");

        public (CuResult Status, nint Module) Load(byte[] image)
        {
            nint module;
            CuResult status;
            fixed (byte* p = image) status = Driver.cuModuleLoadData(out module, p);
            return (status, module);
        }

        public void Fail(CuResult status, string call) => context.Check(status, call: call);
    }
}
