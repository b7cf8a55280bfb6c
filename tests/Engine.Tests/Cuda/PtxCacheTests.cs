using Engine.Cuda;

namespace Engine.Tests.Cuda;

public class PtxCacheTests
{
    private static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string> { ["common.cuh"] = "// h" };

    [Fact]
    public void KeyChangesWithSourceHeadersOptionsAndNvrtcVersion()
    {
        var baseKey = PtxCache.Key("src", Headers, ["--gpu-architecture=compute_90", "-std=c++17"], "11.8");
        Assert.Equal(baseKey, PtxCache.Key("src", Headers, ["--gpu-architecture=compute_90", "-std=c++17"], "11.8"));
        Assert.NotEqual(baseKey, PtxCache.Key("src2", Headers, ["--gpu-architecture=compute_90", "-std=c++17"], "11.8"));
        Assert.NotEqual(baseKey, PtxCache.Key("src", new Dictionary<string, string> { ["common.cuh"] = "// h2" }, ["--gpu-architecture=compute_90", "-std=c++17"], "11.8"));
        Assert.NotEqual(baseKey, PtxCache.Key("src", Headers, ["--gpu-architecture=compute_80", "-std=c++17"], "11.8"));
        Assert.NotEqual(baseKey, PtxCache.Key("src", Headers, ["--gpu-architecture=compute_90", "-std=c++17", "--use_fast_math"], "11.8"));
        Assert.NotEqual(baseKey, PtxCache.Key("src", Headers, ["--gpu-architecture=compute_90", "-std=c++17"], "13.0"));
    }

    [Fact]
    public void CompilesOnceThenReadsFromDisk()
    {
        var dir = Directory.CreateTempSubdirectory("engine-ptx-");
        try
        {
            var cache = new PtxCache(dir.FullName);
            var compiles = 0;
            string Compile()
            {
                compiles++;
                return ".version 7.8 // fake ptx";
            }
            var key = PtxCache.Key("src", Headers, ["-std=c++17"], "11.8");
            Assert.Equal(".version 7.8 // fake ptx", cache.GetOrCompile("relu.cu", key, Compile));
            Assert.Equal(".version 7.8 // fake ptx", new PtxCache(dir.FullName).GetOrCompile("relu.cu", key, Compile));
            Assert.Equal(1, compiles);
            var file = Assert.Single(Directory.GetFiles(dir.FullName));
            Assert.StartsWith("relu-", Path.GetFileName(file));
            // Another key (new options) compiles again.
            new PtxCache(dir.FullName).GetOrCompile("relu.cu", PtxCache.Key("src", Headers, ["-std=c++14"], "11.8"), Compile);
            Assert.Equal(2, compiles);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void DefaultDirectoryHonoursOverrides()
    {
        Assert.Equal(Path.Combine("/tmp/x", "ptx"), PtxCache.DefaultDirectory(k => k == "ENGINE_CACHE_DIR" ? "/tmp/x" : null));
        Assert.Equal(Path.Combine("/xdg", "engine", "ptx"), PtxCache.DefaultDirectory(k => k == "XDG_CACHE_HOME" ? "/xdg" : null));
        Assert.Equal(Path.Combine("/home/u", ".cache", "engine", "ptx"), PtxCache.DefaultDirectory(k => k == "HOME" ? "/home/u" : null));
    }

    [Fact]
    public void UnwritableCacheStillCompiles()
    {
        var cache = new PtxCache("/proc/engine-cannot-write-here");
        Assert.Equal("ptx", cache.GetOrCompile("a.cu", new string('0', 64), () => "ptx"));
    }
}
