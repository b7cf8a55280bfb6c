using Engine.Cuda;

namespace Engine.Tests.Cuda;

/// <summary>The CUDA library search: its order, what it records, and the error when nothing is found.
/// None of this needs a GPU.</summary>
public class LibraryResolverTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void SearchOrderFollowsTheDesign()
    {
        var locations = LibrarySearch.Locations(NativeLibrarySpec.Nvrtc,
            Env(("ENGINE_CUDA_LIB_DIR", "/override/a:/override/b"), ("CUDA_HOME", "/opt/cuda-home"), ("CUDA_PATH", "/opt/cuda-path")));
        var dirs = locations.Select(l => l.Directory).ToList();
        Assert.Equal("/override/a", dirs[0]);
        Assert.Equal("/override/b", dirs[1]);
        Assert.Null(dirs[2]);                                   // then the bare sonames (system loader)
        var home = dirs.IndexOf("/opt/cuda-home/lib64");
        var path = dirs.IndexOf("/opt/cuda-path/lib64");
        var local = dirs.IndexOf("/usr/local/cuda/lib64");
        var targets = dirs.IndexOf("/usr/local/cuda/targets/x86_64-linux/lib");
        Assert.True(2 < home && home < path && path < local && local < targets, string.Join(", ", dirs));
        Assert.Contains("/opt/cuda-home/targets/x86_64-linux/lib", dirs);
    }

    [Fact]
    public void FileNamesPreferNewestCuda()
    {
        Assert.Equal(["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"], NativeLibrarySpec.Nvrtc.FileNames);
        Assert.Equal(["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"], NativeLibrarySpec.Cublas.FileNames);
        Assert.Equal("libcuda.so.1", NativeLibrarySpec.Driver.FileNames[0]);
        Assert.Equal(["libcublasLt.so.13"], NativeLibrarySpec.Cublas.CompanionPatterns("libcublas.so.13"));
    }

    [Theory]
    [InlineData("libnvrtc.so.13", 13)]
    [InlineData("libnvrtc.so.11.2", 11)]
    [InlineData("libcublas.so.12", 12)]
    public void SonameMajorIsTheCudaMajorVersion(string name, int major) => Assert.Equal(major, CudaLibraries.SonameMajor(name));

    /// <summary>A driver for CUDA 12 with NVRTC 13 first on the path (a wheel, LD_LIBRARY_PATH) and
    /// NVRTC 12 in a toolkit further down: every location is searched for the 12 before the 13 is
    /// tried. The files are fakes, so each load fails and the attempts show the order.</summary>
    [Fact]
    public void NvrtcNewerThanTheDriverIsTriedOnlyAfterEveryMatchingOne()
    {
        var dir = Directory.CreateTempSubdirectory("engine-libs-");
        try
        {
            var wheel = Directory.CreateDirectory(Path.Combine(dir.FullName, "wheel")).FullName;
            var toolkit = Directory.CreateDirectory(Path.Combine(dir.FullName, "toolkit")).FullName;
            File.WriteAllText(Path.Combine(wheel, "libnvrtc.so.13"), "not a library");
            File.WriteAllText(Path.Combine(toolkit, "libnvrtc.so.12"), "not a library");
            SearchLocation[] locations = [new("wheel", wheel), new("toolkit", toolkit)];

            var forCuda12 = CudaLibraries.LoadForDriver(NativeLibrarySpec.Nvrtc, locations, driverMajor: 12);
            var tried = forCuda12.Attempts.Where(a => a.Contains(".so.1", StringComparison.Ordinal) && !a.Contains("(none of", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, tried.Count);
            Assert.Contains("libnvrtc.so.12", tried[0]);
            Assert.Contains("libnvrtc.so.13", tried[1]);
            Assert.Contains("newer than the driver's CUDA 12", tried[1]);
            Assert.Same(NativeLibrarySpec.Nvrtc, forCuda12.Spec);

            // Without a driver (or with a CUDA 13 one) the plain order: location first, newest name first.
            var plain = CudaLibraries.LoadForDriver(NativeLibrarySpec.Nvrtc, locations, driverMajor: null);
            var order = plain.Attempts.Where(a => a.Contains("libnvrtc.so.1", StringComparison.Ordinal) && !a.Contains("(none of", StringComparison.Ordinal)).ToList();
            Assert.Contains("libnvrtc.so.13", order[0]);
            Assert.Contains("libnvrtc.so.12", order[1]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void FindsPythonWheelFoldersIncludingCu13()
    {
        var root = Directory.CreateTempSubdirectory("engine-venv-");
        try
        {
            var site = Path.Combine(root.FullName, "lib", "python3.12", "site-packages", "nvidia");
            Directory.CreateDirectory(Path.Combine(site, "cu13", "lib"));
            Directory.CreateDirectory(Path.Combine(site, "cublas", "lib"));
            var found = LibrarySearch.PythonNvidiaLibFolders(Env(("VIRTUAL_ENV", root.FullName))).ToList();
            var cu13 = found.IndexOf(Path.Combine(site, "cu13", "lib"));
            var cublas = found.IndexOf(Path.Combine(site, "cublas", "lib"));
            Assert.True(cu13 >= 0 && cublas > cu13, string.Join(", ", found));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void MissingLibraryErrorListsEverythingSearched()
    {
        var dir = Directory.CreateTempSubdirectory("engine-libs-");
        try
        {
            // A file with the right name that is not a library: recorded with the loader's reason, then skipped.
            File.WriteAllText(Path.Combine(dir.FullName, "libengine-fake.so.2"), "not an ELF file");
            var spec = new NativeLibrarySpec("fake", "Fake", ["libengine-fake.so.3", "libengine-fake.so.2"], "fake_symbol");
            var locations = LibrarySearch.Locations(spec, Env(("ENGINE_CUDA_LIB_DIR", dir.FullName), ("CUDA_HOME", "/nonexistent/cuda-home")));
            var result = CudaLibraries.Load(spec, locations);
            Assert.False(result.Loaded);
            var message = result.NotFoundMessage;
            Assert.Contains("libengine-fake.so.3 or libengine-fake.so.2", message);
            Assert.Contains($"ENGINE_CUDA_LIB_DIR={dir.FullName}", message);
            Assert.Contains(Path.Combine(dir.FullName, "libengine-fake.so.2"), message);   // the bad file, with why it failed
            Assert.Contains("system loader", message);
            Assert.Contains("libengine-fake.so.3: not found", message);
            Assert.Contains("/nonexistent/cuda-home/lib64 (no such folder)", message);
            Assert.Contains("/usr/local/cuda/lib64", message);
            Assert.Contains("ENGINE_CUDA_LIB_DIR", message.Split('\n').Last());            // and how to fix it
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void LoadedLibraryRecordsTheFileItCameFrom()
    {
        var nvrtc = CudaLibraries.Get(NativeLibrarySpec.Nvrtc);
        if (!nvrtc.Loaded) Assert.Skip("NVRTC is not installed here: " + CudaTestSupport.FirstLine(nvrtc.NotFoundMessage));
        Assert.NotNull(nvrtc.Path);
        Assert.True(Path.IsPathRooted(nvrtc.Path), nvrtc.Path);
        Assert.True(File.Exists(nvrtc.Path), nvrtc.Path);
        Assert.Contains("libnvrtc", Path.GetFileName(nvrtc.Path));
    }

    [Fact]
    public void DriverAbsenceIsReportedNotThrown()
    {
        var info = CudaInfo.Query();
        var text = info.ToString();
        Assert.Equal(CudaBackend_IsAvailable(), info.Available);
        if (!info.Available)
        {
            Assert.NotNull(info.UnavailableReason);
            Assert.Contains("not available", text);
        }
        Assert.Contains("NVRTC", text);
        Assert.Contains("cuBLAS", text);
    }

    private static bool CudaBackend_IsAvailable() => Engine.Backends.CudaBackend.IsAvailable;

    [Fact]
    public void ShortLoadErrorDropsTheRuntimeBoilerplate()
    {
        Assert.Equal("not found", CudaLibraries.ShortLoadError(
            "Unable to load shared library 'libcuda.so.1' or one of its dependencies. ... libcuda.so.1: cannot open shared object file: No such file or directory"));
    }
}

/// <summary>Writes what CudaInfo reports, for the GPU bundle's `run.sh info` (and as a smoke test of Query).</summary>
public class CudaInfoReportTests
{
    [Fact]
    public void CudaInfoReport()
    {
        if (Engine.Backends.CudaBackend.IsAvailable)
        {
            // One launch loads elementwise_generated.cu, so the report says whether kernels load as cubin or PTX.
            var x = Engine.Tensors.Tensor.FromArray(new[] { -1f, 2f }, new Engine.Tensors.Shape(2), Engine.Tensors.Device.Cuda(0));
            Assert.Equal(new[] { 0f, 2f }, Engine.Autograd.Ops.Relu(x).ToArray<float>());
        }
        var text = CudaInfo.Query().ToString();
        Assert.StartsWith("CUDA: ", text);
        if (Environment.GetEnvironmentVariable("ENGINE_CUDA_INFO_OUT") is { Length: > 0 } path) File.WriteAllText(path, text + Environment.NewLine);
        TestContext.Current.TestOutputHelper?.WriteLine(text);
    }
}
