using System.Security.Cryptography;
using System.Text;

namespace Engine.Cuda;

/// <summary>Compiled kernel images (PTX, cubin) on disk, so a process starts without recompiling kernels it compiled
/// before. The key hashes everything that changes the output: the source, the headers it may
/// include, the options and the NVRTC version. Files are written to a temporary name and renamed,
/// so concurrent processes never read half a file; an unreadable or unwritable cache folder just
/// means compiling again.</summary>
internal sealed class PtxCache
{
    public const string CacheDirVariable = "ENGINE_CACHE_DIR";

    public PtxCache(string? directory) => Directory = directory;

    /// <summary>Null when no cache folder could be determined (caching is then off).</summary>
    public string? Directory { get; }

    /// <summary>$ENGINE_CACHE_DIR/ptx, else $XDG_CACHE_HOME/engine/ptx, else ~/.cache/engine/ptx.</summary>
    public static string? DefaultDirectory(Func<string, string?> env)
    {
        if (env(CacheDirVariable) is { Length: > 0 } root) return Path.Combine(root, "ptx");
        if (env("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "engine", "ptx");
        var home = env("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", "engine", "ptx");
    }

    public static string Key(string source, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> options, string nvrtcVersion)
    {
        var text = new StringBuilder();
        text.Append("nvrtc ").Append(nvrtcVersion).Append('\n');
        foreach (var o in options) text.Append("option ").Append(o).Append('\n');
        foreach (var (name, body) in headers.OrderBy(h => h.Key, StringComparer.Ordinal))
            text.Append("header ").Append(name).Append('\n').Append(body).Append('\0');
        text.Append("source\n").Append(source);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public string? PathFor(string fileName, string key, string extension = ".ptx") =>
        Directory is null ? null : System.IO.Path.Combine(Directory, $"{System.IO.Path.GetFileNameWithoutExtension(fileName)}-{key[..24]}{extension}");

    public string GetOrCompile(string fileName, string key, Func<string> compile) =>
        Encoding.UTF8.GetString(GetOrCompileBytes(fileName, key, ".ptx", () => Encoding.UTF8.GetBytes(compile())));

    /// <summary>Any compiled image (PTX text, or a cubin: binary machine code for one GPU
    /// architecture), stored under <paramref name="extension"/>.</summary>
    public byte[] GetOrCompileBytes(string fileName, string key, string extension, Func<byte[]> compile)
    {
        var path = PathFor(fileName, key, extension);
        if (path is not null)
        {
            try
            {
                if (File.Exists(path)) return File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        var image = compile();
        if (path is not null) TryWrite(path, image);
        return image;
    }

    private static void TryWrite(string path, byte[] image)
    {
        try
        {
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temp, image);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
