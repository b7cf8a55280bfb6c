using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Engine.Cuda;

namespace Engine.Tests.Cuda;

/// <summary>Every [LibraryImport] of our driver, cuBLAS and NVRTC bindings names a function the real
/// library exports. A misspelt entry point would otherwise only show on a GPU machine, as an
/// EntryPointNotFoundException in the middle of a run. The libraries need not load (no GPU, no
/// cuBLAS dependencies): their ELF dynamic symbol tables are read as files. The driver and cuBLAS
/// come from Debian's non-free libcuda1 and libcublas11 packages, unpacked (not installed) by .ci/run
/// into ENGINE_CUDA_EXPORTS_DIR; NVRTC is the one the kernel compile tests use.</summary>
public class BindingExportTests
{
    public const string ExportsVariable = "ENGINE_CUDA_EXPORTS_DIR";

    public static TheoryData<string> Bindings() => ["Driver", "Cublas", "Nvrtc"];

    [Theory]
    [MemberData(nameof(Bindings))]
    public void EveryEntryPointIsExportedByTheLibrary(string binding)
    {
        var type = typeof(CudaException).Assembly.GetType("Engine.Cuda." + binding, throwOnError: true)!;
        var imports = type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Select(m => (Method: m, Import: m.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(p => p.Import is not null)
            .Select(p => p.Import!.EntryPoint ?? p.Method.Name)
            .Distinct()
            .ToList();
        Assert.True(imports.Count >= 5, $"found only {imports.Count} [LibraryImport] methods on {type.FullName}");

        var library = LibraryFile(binding);
        var exports = ElfDynamicSymbols.DefinedNames(library);
        var missing = imports.Where(name => !exports.Contains(name)).ToList();
        Assert.True(missing.Count == 0, $"{library} does not export: {string.Join(", ", missing)}");
    }

    private static string LibraryFile(string binding)
    {
        if (binding == "Nvrtc")
        {
            CudaTestSupport.RequireNvrtc();
            var nvrtc = CudaLibraries.Get(NativeLibrarySpec.Nvrtc);
            return ResolveLinks(nvrtc.Path!);
        }
        var pattern = binding == "Driver" ? "libcuda.so*" : "libcublas.so*";
        var dir = Environment.GetEnvironmentVariable(ExportsVariable);
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
        {
            var why = $"{ExportsVariable} does not name a folder holding the unpacked libcuda1/libcublas11 packages (.ci/run sets it up)";
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"In CI this check must run: {why}.");
            Assert.Skip(why);
        }
        var file = Directory.EnumerateFiles(dir, pattern, SearchOption.AllDirectories)
            .Where(f => !f.Contains("Lt", StringComparison.Ordinal) && new FileInfo(f).Length > 0)
            .OrderBy(f => f.Length)
            .FirstOrDefault();
        Assert.True(file is not null, $"no {pattern} under {dir}");
        return ResolveLinks(file!);
    }

    private static string ResolveLinks(string path) =>
        File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
}

/// <summary>Reads the names of the defined symbols in an ELF64 little-endian shared object's
/// .dynsym section: what dlsym can find. Just enough ELF for that.</summary>
internal static class ElfDynamicSymbols
{
    private const uint DynSym = 11;   // SHT_DYNSYM

    public static HashSet<string> DefinedNames(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var span = bytes.AsSpan();
        if (bytes.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new InvalidDataException($"{path} is not an ELF file.");
        if (span[4] != 2 || span[5] != 1) throw new InvalidDataException($"{path} is not 64-bit little-endian ELF.");
        var sectionTable = (long)Read<ulong>(span, 0x28);
        var sectionSize = Read<ushort>(span, 0x3A);
        var sectionCount = Read<ushort>(span, 0x3C);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sectionCount; i++)
        {
            var header = (int)(sectionTable + (long)i * sectionSize);
            if (Read<uint>(span, header + 4) != DynSym) continue;
            var offset = (int)Read<ulong>(span, header + 0x18);
            var size = (int)Read<ulong>(span, header + 0x20);
            var link = (int)Read<uint>(span, header + 0x28);
            var entrySize = (int)Read<ulong>(span, header + 0x38);
            var strings = (int)Read<ulong>(span, (int)(sectionTable + (long)link * sectionSize) + 0x18);
            for (var e = offset; e + entrySize <= offset + size; e += entrySize)
            {
                var nameOffset = (int)Read<uint>(span, e);
                var sectionIndex = Read<ushort>(span, e + 6);
                if (nameOffset == 0 || sectionIndex == 0) continue;   // undefined: imported, not exported
                var start = strings + nameOffset;
                var end = span[start..].IndexOf((byte)0);
                names.Add(Encoding.ASCII.GetString(span.Slice(start, end)));
            }
        }
        return names;
    }

    private static T Read<T>(ReadOnlySpan<byte> span, int offset) where T : unmanaged => MemoryMarshal.Read<T>(span[offset..]);
}
