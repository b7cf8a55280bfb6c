namespace Engine.Tests.Cuda;

/// <summary>How `dotnet test` finds the kernel emulator, and refuses one built from other sources.</summary>
public class KernelEmulatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("engine-emu-").FullName;

    public KernelEmulatorTests()
    {
        File.WriteAllText(Path.Combine(_root, "Engine.sln"), "");
        Directory.CreateDirectory(Path.Combine(_root, "kernels"));
        Directory.CreateDirectory(Path.Combine(_root, "scripts", "kernel-emulator"));
        File.WriteAllText(Path.Combine(_root, "kernels", "relu.cu"), "extern \"C\" __global__ void relu_forward() {}\n");
        File.WriteAllText(Path.Combine(_root, "scripts", "kernel-emulator", "emu_shim.h"), "// shim\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string BuildFake(string? stamp = null)
    {
        var emu = Directory.CreateDirectory(Path.Combine(_root, ".emu")).FullName;
        File.WriteAllText(Path.Combine(emu, KernelEmulator.LibraryName), "not really a library");
        File.WriteAllText(Path.Combine(emu, KernelEmulator.StampName), (stamp ?? KernelEmulator.SourcesHash(_root)) + "\n");
        return Path.Combine(emu, KernelEmulator.LibraryName);
    }

    [Fact]
    public void FindsTheLibraryInTheRepositoryWhenItsStampMatches()
    {
        var library = BuildFake();
        var found = KernelEmulator.Find(variable: null, _root);
        Assert.Equal(library, found.Path);
    }

    [Fact]
    public void MissingLibraryIsExplainedWithTheBuildCommand()
    {
        var found = KernelEmulator.Find(variable: null, _root);
        Assert.Null(found.Path);
        Assert.Contains("scripts/kernel-emulator/build.sh", found.Problem);
        Assert.Contains(Path.Combine(_root, ".emu"), found.Problem);
    }

    [Fact]
    public void AKernelEditedAfterTheBuildMakesTheLibraryStale()
    {
        BuildFake();
        File.AppendAllText(Path.Combine(_root, "kernels", "relu.cu"), "// edited\n");
        var found = KernelEmulator.Find(variable: null, _root);
        Assert.Null(found.Path);
        Assert.Contains("other sources", found.Problem);
    }

    [Fact]
    public void ALibraryWithoutStampIsRefused()
    {
        var library = BuildFake();
        File.Delete(Path.Combine(_root, ".emu", KernelEmulator.StampName));
        var found = KernelEmulator.Find(variable: library, _root);
        Assert.Null(found.Path);
        Assert.Contains(KernelEmulator.StampName, found.Problem);
    }

    [Fact]
    public void TheVariableMustNameAFile()
    {
        var found = KernelEmulator.Find(variable: Path.Combine(_root, "nowhere.so"), _root);
        Assert.Null(found.Path);
        Assert.Contains(CudaTestSupport.EmulatorVariable, found.Problem);
    }

    /// <summary>The C# hash and build.sh's must agree, or CI would refuse the emulator it just built.</summary>
    [Fact]
    public void TheStampOfTheRealBuildMatchesTheRepository()
    {
        if (KernelEmulator.RepoRoot() is not { } root)
        {
            Assert.Skip("Not run from a repository checkout (e.g. the GPU bundle): no kernels/ to hash");
            return;
        }
        var stamp = Path.Combine(root, ".emu", KernelEmulator.StampName);
        if (!File.Exists(stamp))
        {
            if (CudaTestSupport.IsCi) Assert.Fail($"CI=true but {stamp} is missing: .ci/run builds the kernel emulator first");
            Assert.Skip($"The kernel emulator is not built here ({stamp}); scripts/kernel-emulator/build.sh makes it");
        }
        Assert.Equal(File.ReadAllText(stamp).Trim(), KernelEmulator.SourcesHash(root));
    }
}
