using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Engine.Cuda;

/// <summary>The outcome of looking for one library: its handle and the file it came from, or the
/// list of everything tried.</summary>
internal sealed record LibraryLoadResult(NativeLibrarySpec Spec, nint Handle, string? Path, IReadOnlyList<string> Attempts)
{
    public bool Loaded => Handle != 0;

    public string NotFoundMessage =>
        $"Could not load the {Spec.Display} library ({string.Join(" or ", Spec.FileNames)}): not found in any of the {Attempts.Count} places searched, in order:{Environment.NewLine}  " +
        string.Join(Environment.NewLine + "  ", Attempts) + Environment.NewLine +
        (Spec.Name == "cuda"
            ? "The driver library comes with the NVIDIA driver; without it (or without a GPU) use Device.Cpu."
            : $"Install the CUDA toolkit (11.8 to 13) or the NVIDIA Python wheels, or set {LibrarySearch.LibDirVariable} to the folder that holds {Spec.FileNames[0]}.");
}

/// <summary>Finds and loads the CUDA libraries once per process and answers the runtime's
/// [LibraryImport] lookups for the logical names "cuda", "nvrtc" and "cublas" (the one
/// DllImportResolver of the Engine assembly is installed by <see cref="CudaModuleInitializer"/>).</summary>
internal static class CudaLibraries
{
    private static readonly Dictionary<string, Lazy<LibraryLoadResult>> Results = NativeLibrarySpec.All.ToDictionary(
        s => s.Name, s => new Lazy<LibraryLoadResult>(() =>
            LoadForDriver(s, LibrarySearch.Locations(s, Environment.GetEnvironmentVariable), s.Name == "cuda" ? null : DriverCudaMajor())));

    /// <summary>The CUDA major version the installed driver supports (13 for 13.0), or null without a driver.</summary>
    private static int? DriverCudaMajor()
    {
        if (!Get(NativeLibrarySpec.Driver).Loaded) return null;
        try
        {
            return Driver.cuDriverGetVersion(out var v) == CuResult.Success && v > 0 ? v / 1000 : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The CUDA major version a soname belongs to: libnvrtc.so.12 → 12, libnvrtc.so.11.2 → 11.</summary>
    internal static int? SonameMajor(string fileName)
    {
        var at = fileName.IndexOf(".so.", StringComparison.Ordinal);
        if (at < 0) return null;
        var digits = new string(fileName[(at + 4)..].TakeWhile(char.IsDigit).ToArray());
        return int.TryParse(digits, CultureInfo.InvariantCulture, out var major) ? major : null;
    }

    /// <summary>NVRTC and cuBLAS newer than the driver's CUDA major version are looked for only after
    /// every location was searched for one the driver supports: otherwise a newer library that
    /// happens to come first (LD_LIBRARY_PATH, a Python wheel) would win, and NVRTC's output for it
    /// is refused by the driver. Within the supported ones the spec's order (newest first) stands.</summary>
    internal static LibraryLoadResult LoadForDriver(NativeLibrarySpec spec, IReadOnlyList<SearchLocation> locations, int? driverMajor)
    {
        if (driverMajor is not { } major) return Load(spec, locations);
        var supported = spec.FileNames.Where(n => SonameMajor(n) is not { } m || m <= major).ToArray();
        var newer = spec.FileNames.Except(supported).ToArray();
        if (supported.Length == 0 || newer.Length == 0) return Load(spec, locations);
        var first = Load(spec with { FileNames = supported }, locations);
        if (first.Loaded) return first with { Spec = spec };
        var second = Load(spec with { FileNames = newer }, locations);
        return second with { Spec = spec, Attempts = [.. first.Attempts, .. second.Attempts.Select(a => a + $" (newer than the driver's CUDA {major})")] };
    }

    public static LibraryLoadResult Get(NativeLibrarySpec spec) => Results[spec.Name].Value;

    /// <summary>Loads the library or throws <see cref="CudaLibraryNotFoundException"/> listing every place searched.</summary>
    public static LibraryLoadResult Require(NativeLibrarySpec spec)
    {
        var r = Get(spec);
        return r.Loaded ? r : throw new CudaLibraryNotFoundException(spec.Display, r.NotFoundMessage);
    }

    /// <summary>The resolver callback: our logical names map to the loaded handles; anything else
    /// falls through to the runtime's default probing.</summary>
    internal static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        Results.TryGetValue(libraryName, out var lazy) ? lazy.Value.Handle : 0;

    /// <summary>Tries each location in order and records what happened at each.</summary>
    internal static LibraryLoadResult Load(NativeLibrarySpec spec, IReadOnlyList<SearchLocation> locations)
    {
        var attempts = new List<string>();
        foreach (var location in locations)
        {
            if (location.Directory is null)
            {
                foreach (var name in spec.FileNames)
                {
                    if (TryLoad(spec, name, out var handle, out var error))
                        return new(spec, handle, ModulePathOf(handle, spec.ProbeSymbol) ?? name, attempts);
                    attempts.Add($"{location.Label}: {name}: {error}");
                }
                continue;
            }
            if (!Directory.Exists(location.Directory))
            {
                attempts.Add($"{location.Label}: {location.Directory} (no such folder)");
                continue;
            }
            var any = false;
            foreach (var name in spec.FileNames)
            {
                var path = System.IO.Path.Combine(location.Directory, name);
                if (!File.Exists(path)) continue;
                any = true;
                LoadCompanions(spec, location.Directory, name);
                if (TryLoad(spec, path, out var handle, out var error))
                    return new(spec, handle, ModulePathOf(handle, spec.ProbeSymbol) ?? path, attempts);
                attempts.Add($"{location.Label}: {path}: {error}");
            }
            if (!any) attempts.Add($"{location.Label}: {location.Directory} (none of {string.Join(", ", spec.FileNames)})");
        }
        return new(spec, 0, null, attempts);
    }

    private static bool TryLoad(NativeLibrarySpec spec, string nameOrPath, out nint handle, out string error)
    {
        try
        {
            handle = NativeLibrary.Load(nameOrPath);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            handle = 0;
            error = ShortLoadError(e.Message);
            return false;
        }
        if (!NativeLibrary.TryGetExport(handle, spec.ProbeSymbol, out _))
        {
            NativeLibrary.Free(handle);
            handle = 0;
            error = $"loaded, but it has no {spec.ProbeSymbol} (not the {spec.Display} library?)";
            return false;
        }
        error = "";
        return true;
    }

    /// <summary>The loader's message without the generic advice the runtime wraps around it.</summary>
    internal static string ShortLoadError(string message)
    {
        if (message.Contains("cannot open shared object file", StringComparison.Ordinal)) return "not found";
        var text = message.ReplaceLineEndings(" ");
        return text.Length <= 240 ? text : text[..240] + "…";
    }

    /// <summary>Best effort: sibling libraries that must come from the same folder.</summary>
    private static void LoadCompanions(NativeLibrarySpec spec, string directory, string fileName)
    {
        foreach (var pattern in spec.CompanionPatterns(fileName))
        {
            string[] files;
            try
            {
                files = Directory.GetFiles(directory, pattern);
            }
            catch (IOException)
            {
                continue;
            }
            foreach (var file in files.OrderByDescending(f => f, StringComparer.Ordinal))
                if (NativeLibrary.TryLoad(file, out _)) break;
        }
    }

    /// <summary>The file a loaded library came from: the mapping in /proc/self/maps that contains
    /// one of its symbols (the loader does not tell which folder a bare soname resolved to).</summary>
    internal static string? ModulePathOf(nint handle, string symbol)
    {
        if (!NativeLibrary.TryGetExport(handle, symbol, out var address)) return null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                // "7f12a000-7f12b000 r-xp 00000000 08:01 1234   /usr/lib/x86_64-linux-gnu/libcuda.so.1"
                var dash = line.IndexOf('-');
                var space = line.IndexOf(' ');
                if (dash < 0 || space < dash) continue;
                var start = ulong.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber);
                var end = ulong.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber);
                if ((ulong)address < start || (ulong)address >= end) continue;
                var slash = line.IndexOf('/');
                return slash >= 0 ? line[slash..].Trim() : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }
}
