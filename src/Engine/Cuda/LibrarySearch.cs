namespace Engine.Cuda;

/// <summary>A place to look for a CUDA library: a folder, or (Directory null) the system loader's
/// own search (LD_LIBRARY_PATH, ld.so.cache, /lib, /usr/lib) given a bare soname.</summary>
internal sealed record SearchLocation(string Label, string? Directory);

/// <summary>Where the CUDA libraries are looked for, in order (DESIGN.md, "CUDA interop"):
/// ENGINE_CUDA_LIB_DIR, the bare sonames, CUDA_HOME / CUDA_PATH, /usr/local/cuda, versioned
/// /usr/local/cuda-X.Y folders, and the nvidia/*/lib folders of Python environments (the PyTorch
/// wheels ship libnvrtc and libcublas there, for CUDA 13 under nvidia/cu13/lib).</summary>
internal static class LibrarySearch
{
    public const string LibDirVariable = "ENGINE_CUDA_LIB_DIR";

    /// <summary>The ordered search list. <paramref name="env"/> reads environment variables
    /// (injectable so tests need not change the process environment).</summary>
    public static IReadOnlyList<SearchLocation> Locations(NativeLibrarySpec spec, Func<string, string?> env)
    {
        var list = new List<SearchLocation>();
        foreach (var dir in Split(env(LibDirVariable)))
            list.Add(new($"{LibDirVariable}={dir}", dir));
        list.Add(new("system loader (LD_LIBRARY_PATH, ld.so.cache, /lib, /usr/lib)", null));
        foreach (var variable in new[] { "CUDA_HOME", "CUDA_PATH" })
            foreach (var root in Split(env(variable)))
                foreach (var sub in ToolkitLibFolders)
                    list.Add(new($"{variable}={root}", Path.Combine(root, sub)));
        foreach (var sub in ToolkitLibFolders)
            list.Add(new("default toolkit", Path.Combine("/usr/local/cuda", sub)));
        foreach (var root in VersionedToolkits())
            list.Add(new("versioned toolkit", Path.Combine(root, "lib64")));
        if (spec.Name == "cuda")
        {
            // The driver is installed system-wide; these catch distributions and WSL where the
            // loader cache does not list its folder.
            foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib" })
                list.Add(new("driver folder", dir));
        }
        else
        {
            foreach (var dir in PythonNvidiaLibFolders(env))
                list.Add(new("python nvidia wheel", dir));
        }
        // The same folder can be reached twice (CUDA_HOME=/usr/local/cuda); look once.
        return list.DistinctBy(l => l.Directory ?? "").ToList();
    }

    private static readonly string[] ToolkitLibFolders = ["lib64", "targets/x86_64-linux/lib", "lib"];

    private static IEnumerable<string> Split(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>/usr/local/cuda-13.0, /usr/local/cuda-12.4, … newest first.</summary>
    private static IEnumerable<string> VersionedToolkits() =>
        SafeDirectories("/usr/local", "cuda-*").OrderByDescending(d => ParseVersion(Path.GetFileName(d)["cuda-".Length..]));

    private static Version ParseVersion(string text) => Version.TryParse(text.Contains('.') ? text : text + ".0", out var v) ? v : new Version(0, 0);

    /// <summary>nvidia/*/lib under every site-packages we can find: $VIRTUAL_ENV, /opt/*/.venv and
    /// /opt/*/venv, conda, the user's and the system's Python. cu13 (the CUDA 13 wheels' shared
    /// folder) sorts before the per-library folders, so that the newest set wins.</summary>
    internal static IEnumerable<string> PythonNvidiaLibFolders(Func<string, string?> env)
    {
        var roots = new List<string>();
        if (env("VIRTUAL_ENV") is { Length: > 0 } venv) roots.Add(venv);
        if (env("CONDA_PREFIX") is { Length: > 0 } conda) roots.Add(conda);
        foreach (var opt in SafeDirectories("/opt", "*"))
        {
            roots.Add(Path.Combine(opt, ".venv"));
            roots.Add(Path.Combine(opt, "venv"));
            roots.Add(opt);
        }
        if (env("HOME") is { Length: > 0 } home) roots.Add(Path.Combine(home, ".local"));
        roots.Add("/usr/local");
        roots.Add("/usr");

        foreach (var root in roots.Distinct())
            foreach (var lib in new[] { "lib", "lib64" })
                foreach (var py in SafeDirectories(Path.Combine(root, lib), "python3*"))
                    foreach (var packages in new[] { "site-packages", "dist-packages" })
                        foreach (var pkg in SafeDirectories(Path.Combine(py, packages, "nvidia"), "*")
                                     .OrderBy(d => Path.GetFileName(d).StartsWith("cu1", StringComparison.Ordinal) ? 0 : 1)
                                     .ThenByDescending(d => d, StringComparer.Ordinal))
                        {
                            var dir = Path.Combine(pkg, "lib");
                            if (Directory.Exists(dir)) yield return dir;
                        }
    }

    private static IEnumerable<string> SafeDirectories(string parent, string pattern)
    {
        try
        {
            return Directory.Exists(parent) ? Directory.GetDirectories(parent, pattern) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
