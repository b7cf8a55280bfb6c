namespace Engine.Cuda;

/// <summary>One native library the CUDA backend binds: the logical name used in [LibraryImport],
/// the file names it may have (preferred first), the sibling libraries that must be loaded from the
/// same folder before it (cuBLAS needs cuBLASLt; NVRTC looks for its builtins), and a symbol that
/// tells us the library really is the one we want.</summary>
internal sealed record NativeLibrarySpec(string Name, string Display, string[] FileNames, string ProbeSymbol)
{
    /// <summary>The driver API comes with the NVIDIA driver, never with a toolkit or a wheel.</summary>
    public static NativeLibrarySpec Driver { get; } = new("cuda", "CUDA driver", ["libcuda.so.1", "libcuda.so"], "cuInit");

    /// <summary>NVRTC 13, 12 or 11.x (the 11.x soname is libnvrtc.so.11.2 for every 11.2+ release).</summary>
    public static NativeLibrarySpec Nvrtc { get; } = new("nvrtc", "NVRTC", ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"], "nvrtcVersion");

    public static NativeLibrarySpec Cublas { get; } = new("cublas", "cuBLAS", ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"], "cublasCreate_v2");

    public static IReadOnlyList<NativeLibrarySpec> All { get; } = [Driver, Nvrtc, Cublas];

    /// <summary>Libraries to load from the same folder first, for a chosen file name: a bare
    /// dependency of cuBLAS on cuBLASLt is otherwise resolved by the system loader, which may not
    /// look in that folder; NVRTC dlopens its builtins library by soname the same way.</summary>
    public IEnumerable<string> CompanionPatterns(string fileName)
    {
        if (Name == "cublas") yield return fileName.Replace("libcublas.", "libcublasLt.", StringComparison.Ordinal);
        if (Name == "nvrtc") yield return "libnvrtc-builtins.so.*";
    }
}
