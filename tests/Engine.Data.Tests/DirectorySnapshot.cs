using System.Security.Cryptography;

namespace Engine.Data.Tests;

/// <summary>Every file under a folder with its size, content hash and write time, to show that
/// loading data changed nothing on disk (no file modified, added or removed).</summary>
internal sealed record DirectorySnapshot(IReadOnlyDictionary<string, string> Files)
{
    public static DirectorySnapshot Take(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(f);
            var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
            files[Path.GetRelativePath(root, f)] = $"{info.Length}:{hash}:{info.LastWriteTimeUtc.Ticks}";
        }
        foreach (var d in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            files[Path.GetRelativePath(root, d) + "/"] = "dir";
        return new DirectorySnapshot(files);
    }

    public void AssertUnchanged(string root)
    {
        var now = Take(root);
        Assert.Equal(Files.Keys, now.Files.Keys);
        foreach (var (name, state) in Files)
            Assert.True(state == now.Files[name], $"{name} changed on disk");
    }
}
