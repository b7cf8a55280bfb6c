using System.Text.RegularExpressions;

namespace Engine.Cuda;

/// <summary>One kernels/*.cu file: its text and the extern "C" __global__ entry points it defines.</summary>
internal sealed record KernelFile(string Name, string Source, IReadOnlyList<string> Kernels);

/// <summary>The kernel sources embedded in the Engine assembly (kernels/*.cu, and the kernels/*.cuh
/// headers they include, which NVRTC gets in memory), and which file defines which kernel.</summary>
internal static partial class KernelSources
{
    private const string Prefix = "kernels/";

    private static readonly Lazy<(IReadOnlyDictionary<string, KernelFile> Files, IReadOnlyDictionary<string, string> Headers)> Embedded = new(Read);

    /// <summary>kernels/*.cu by file name ("softmax.cu").</summary>
    public static IReadOnlyDictionary<string, KernelFile> Files => Embedded.Value.Files;

    /// <summary>kernels/*.cuh by include name ("common.cuh").</summary>
    public static IReadOnlyDictionary<string, string> Headers => Embedded.Value.Headers;

    /// <summary>The file that defines <paramref name="kernel"/>.</summary>
    public static KernelFile FileOf(string kernel)
    {
        foreach (var file in Files.Values)
            if (file.Kernels.Contains(kernel)) return file;
        throw new ArgumentException($"No kernel named '{kernel}' in kernels/*.cu; the known kernels are: " +
                                    string.Join(", ", Files.Values.SelectMany(f => f.Kernels).Order()) + ".");
    }

    /// <summary>The names of the extern "C" __global__ functions in a source text.</summary>
    public static IReadOnlyList<string> EntryPoints(string source) =>
        EntryPointPattern().Matches(source).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+(?:__launch_bounds__\s*\([^)]*\)\s+)?void\s+(\w+)\s*\(")]
    private static partial Regex EntryPointPattern();

    private static (IReadOnlyDictionary<string, KernelFile>, IReadOnlyDictionary<string, string>) Read()
    {
        var assembly = typeof(KernelSources).Assembly;
        var files = new SortedDictionary<string, KernelFile>(StringComparer.Ordinal);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            var name = resource[Prefix.Length..];
            if (name.EndsWith(".cuh", StringComparison.Ordinal)) headers[name] = text;
            else if (name.EndsWith(".cu", StringComparison.Ordinal)) files[name] = new KernelFile(name, text, EntryPoints(text));
        }
        return (files, headers);
    }
}
