using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Engine.Backends;

namespace Engine.Cuda;

/// <summary>Runs once when the Engine assembly loads: installs the assembly's single
/// DllImportResolver (so every binding class resolves "cuda", "nvrtc" and "cublas" through
/// <see cref="CudaLibraries"/>) and tells the registry how to build a CUDA backend, so that
/// Device.Cuda(0) works without the caller touching anything CUDA-specific. Nothing native is
/// loaded here; that happens on first use.</summary>
internal static class CudaModuleInitializer
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The resolver must be installed before any binding is called, and only once per assembly; a module initializer is the one place that guarantees both.")]
    internal static void Initialize()
    {
        NativeLibrary.SetDllImportResolver(typeof(CudaModuleInitializer).Assembly, CudaLibraries.Resolve);
        BackendRegistry.RegisterCudaFactory(device => new CudaBackend(device));
    }
}
