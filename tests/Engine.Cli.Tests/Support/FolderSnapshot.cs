using System.Security.Cryptography;

namespace Engine.Cli.Tests.Support;

/// <summary>Every file under a folder (or one file) with its content hash, to show that a refused
/// command changed nothing of the user's: no file modified, added or removed.</summary>
internal sealed record FolderSnapshot(string Root, IReadOnlyDictionary<string, string> Files)
{
    public static FolderSnapshot Take(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(root)) files["."] = Hash(root);
        else if (Directory.Exists(root))
        {
            foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
                files[Path.GetRelativePath(root, f)] = Hash(f);
            foreach (var d in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
                files[Path.GetRelativePath(root, d) + "/"] = "dir";
        }
        return new FolderSnapshot(root, files);
    }

    private static string Hash(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    /// <summary>Byte-for-byte the same, except the run lock's own files (a refused second process may
    /// touch the lock it tried to take).</summary>
    public void AssertUnchanged(bool ignoreLock = true)
    {
        var now = Take(Root);
        static IEnumerable<KeyValuePair<string, string>> Filter(IReadOnlyDictionary<string, string> f, bool ignore) =>
            f.Where(kv => !ignore || !Path.GetFileName(kv.Key).StartsWith(".engine-run.lock", StringComparison.Ordinal));
        var before = Filter(Files, ignoreLock).ToArray();
        var after = Filter(now.Files, ignoreLock).ToArray();
        Assert.Equal(before.Select(kv => kv.Key), after.Select(kv => kv.Key));
        foreach (var (name, hash) in before)
            Assert.True(hash == now.Files[name], $"{name} under {Root} changed on disk");
    }
}
