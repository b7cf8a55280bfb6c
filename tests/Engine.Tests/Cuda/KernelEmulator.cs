using System.Security.Cryptography;
using System.Text;

namespace Engine.Tests.Cuda;

/// <summary>Where the CPU kernel emulator (scripts/kernel-emulator/build.sh) is, and whether it may be
/// used: ENGINE_CUDA_EMULATOR names the library, else the repository's <c>.emu/</c> folder (where
/// build.sh puts it and .ci/run builds it), so a plain <c>dotnet test</c> finds it. A library built
/// from other kernel sources than the repository's would test old kernels, so build.sh stamps the
/// hash of its inputs beside it (<c>sources.sha256</c>) and a mismatch makes it unusable.</summary>
internal static class KernelEmulator
{
    public const string LibraryName = "libengine_kernels_emu.so";
    public const string StampName = "sources.sha256";

    /// <summary>The library to load, or null and a sentence saying why there is none.</summary>
    public sealed record Found(string? Path, string Problem);

    private static readonly Lazy<Found> Cached = new(() => Find(Environment.GetEnvironmentVariable(CudaTestSupport.EmulatorVariable), RepoRoot()));

    public static Found Find() => Cached.Value;

    /// <summary>Testable core: <paramref name="variable"/> is ENGINE_CUDA_EMULATOR's value,
    /// <paramref name="repoRoot"/> the folder holding Engine.sln (null when not found).</summary>
    public static Found Find(string? variable, string? repoRoot)
    {
        const string build = "build it with scripts/kernel-emulator/build.sh (needs g++ and python3)";
        string library;
        if (variable is { Length: > 0 })
        {
            library = variable;
            if (!File.Exists(library)) return new(null, $"{CudaTestSupport.EmulatorVariable}={library} names no file; {build}");
        }
        else
        {
            if (repoRoot is null) return new(null, "no kernel emulator: the repository (Engine.sln) was not found above the test binaries");
            library = System.IO.Path.Combine(repoRoot, ".emu", LibraryName);
            if (!File.Exists(library)) return new(null, $"no kernel emulator at {library}; {build}");
        }
        if (repoRoot is null) return new(library, "");
        var stamp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(library))!, StampName);
        if (!File.Exists(stamp)) return new(null, $"the kernel emulator {library} has no {StampName} beside it (built by an older build.sh); {build}");
        var expected = SourcesHash(repoRoot);
        var actual = File.ReadAllText(stamp).Trim();
        return actual == expected
            ? new(library, "")
            : new(null, $"the kernel emulator {library} was built from other sources than kernels/ and scripts/kernel-emulator/ hold now " +
                        $"(stamp {Short(actual)}, sources {Short(expected)}); re{build}");
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    /// <summary>The hash build.sh writes: sha256 of <c>sha256sum</c>'s listing of kernels/* and
    /// scripts/kernel-emulator/* (paths relative to the root, each group in byte order).</summary>
    public static string SourcesHash(string repoRoot)
    {
        var listing = new StringBuilder();
        foreach (var folder in new[] { "kernels", "scripts/kernel-emulator" })
        {
            var files = Directory.GetFiles(System.IO.Path.Combine(repoRoot, folder)).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal);
            foreach (var name in files)
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(System.IO.Path.Combine(repoRoot, folder, name!))));
                listing.Append(hash).Append("  ").Append(folder).Append('/').Append(name).Append('\n');
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString())));
    }

    public static string? RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(System.IO.Path.Combine(d.FullName, "Engine.sln"))) d = d.Parent;
        return d?.FullName;
    }
}
