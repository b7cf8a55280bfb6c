using System.Collections.Concurrent;

namespace Engine.Cuda;

/// <summary>PTX (and cubins) of each kernel file for each architecture, compiled at most once per process
/// (and, through <see cref="PtxCache"/>, at most once per machine for a given source, options
/// and NVRTC version).</summary>
internal static class KernelPtx
{
    private static readonly ConcurrentDictionary<(string File, int Arch), Lazy<string>> Compiled = new();

    private static readonly Lazy<PtxCache> DiskCache = new(() => new PtxCache(PtxCache.DefaultDirectory(Environment.GetEnvironmentVariable)));

    public static string Get(KernelFile file, int arch) =>
        Compiled.GetOrAdd((file.Name, arch), key => new Lazy<string>(() => Compile(file, key.Arch))).Value;

    private static readonly ConcurrentDictionary<(string File, int Arch), Lazy<byte[]>> Cubins = new();

    /// <summary>The cubin (machine code) of a kernel file for sm_<paramref name="arch"/>, cached like PTX.</summary>
    public static byte[] GetCubin(KernelFile file, int arch) =>
        Cubins.GetOrAdd((file.Name, arch), key => new Lazy<byte[]>(() => CompileCubin(file, key.Arch))).Value;

    private static byte[] CompileCubin(KernelFile file, int arch)
    {
        var options = KernelCompiler.Options(arch, cubin: true);
        var headers = KernelSources.Headers;
        var key = PtxCache.Key(file.Source, headers, options, KernelCompiler.VersionString);
        return DiskCache.Value.GetOrCompileBytes(file.Name, key, ".cubin",
            () => KernelCompiler.CompileImage(file.Name, file.Source, headers, options, cubin: true));
    }

    private static string Compile(KernelFile file, int arch)
    {
        var options = KernelCompiler.Options(arch);
        var headers = KernelSources.Headers;
        var key = PtxCache.Key(file.Source, headers, options, KernelCompiler.VersionString);
        return DiskCache.Value.GetOrCompile(file.Name, key, () => KernelCompiler.Compile(file.Name, file.Source, headers, options));
    }
}
