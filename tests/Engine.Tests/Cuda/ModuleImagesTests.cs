using System.Text;
using Engine.Cuda;

namespace Engine.Tests.Cuda;

/// <summary>Cubin first, PTX as the fallback: the choice made for each kind of driver and NVRTC,
/// played by a fake loader (the real driver is exercised on a GPU); and real cubins from NVRTC.</summary>
public class ModuleImagesTests
{
    /// <summary>A driver and NVRTC that answer as told, recording what was tried.</summary>
    private sealed class FakeLoader(CuResult cubinLoad = CuResult.Success, CuResult ptxLoad = CuResult.Success, Exception? cubinCompile = null)
        : ModuleImages.ILoader
    {
        public List<string> Tried { get; } = [];

        public string NvrtcVersion => "13.1";

        public string DriverVersion => "13.0";

        public byte[] CompileCubin(int arch)
        {
            Tried.Add($"compile sm_{arch}");
            if (cubinCompile is not null) throw cubinCompile;
            return Encoding.ASCII.GetBytes($"cubin {arch}");
        }

        public byte[] CompilePtx(int arch)
        {
            Tried.Add($"compile compute_{arch}");
            return Encoding.ASCII.GetBytes($"ptx {arch}");
        }

        public (CuResult Status, nint Module) Load(byte[] image)
        {
            var what = Encoding.ASCII.GetString(image);
            Tried.Add("load " + what);
            var status = what.StartsWith("cubin", StringComparison.Ordinal) ? cubinLoad : ptxLoad;
            return (status, status == CuResult.Success ? what.GetHashCode() : 0);
        }

        public void Fail(CuResult status, string call) => throw CudaCheck.Error(status, call, null, null);
    }

    private static readonly int[] Nvrtc13 = [75, 80, 86, 87, 89, 90, 100, 120];

    [Fact]
    public void TheDevicesOwnArchitectureLoadsAsCubin()
    {
        var loader = new FakeLoader();
        var (module, choice) = ModuleImages.Load("relu.cu", 90, Nvrtc13, loader);
        Assert.NotEqual(0, module);
        Assert.True(choice.Cubin);
        Assert.Equal(90, choice.Arch);
        Assert.Null(choice.FallbackReason);
        Assert.Equal(["compile sm_90", "load cubin 90"], loader.Tried);
        Assert.Equal("relu.cu: cubin sm_90 (NVRTC 13.1)", choice.ToString());
        Assert.Contains(choice, ModuleImages.Choices);
    }

    [Theory]
    [InlineData((int)CuResult.InvalidImage)]
    [InlineData((int)CuResult.NoBinaryForGpu)]
    [InlineData((int)CuResult.UnsupportedPtxVersion)]
    public void ACubinTheDriverRefusesFallsBackToPtxAndSaysWhy(int code)
    {
        var refusal = (CuResult)code;
        var loader = new FakeLoader(cubinLoad: refusal);
        var (_, choice) = ModuleImages.Load("relu.cu", 90, Nvrtc13, loader);
        Assert.False(choice.Cubin);
        Assert.Equal(90, choice.Arch);
        Assert.Equal(["compile sm_90", "load cubin 90", "compile compute_90", "load ptx 90"], loader.Tried);
        Assert.Contains(refusal.FallbackName(), choice.FallbackReason);
        Assert.Contains("PTX compute_90", choice.ToString());
        Assert.Contains("cubin not used", choice.ToString());
    }

    [Fact]
    public void AGpuNewerThanNvrtcGetsPtxForTheNewestArchitectureNvrtcKnows()
    {
        var loader = new FakeLoader();
        var (_, choice) = ModuleImages.Load("relu.cu", 90, [35, 50, 60, 70, 75, 80, 86], loader);   // NVRTC 11.2 on an H100
        Assert.False(choice.Cubin);
        Assert.Equal(86, choice.Arch);
        Assert.Equal(["compile compute_86", "load ptx 86"], loader.Tried);
        Assert.Contains("cannot target sm_90", choice.FallbackReason);
    }

    [Fact]
    public void NvrtcWithoutCubinSupportFallsBackToPtx()
    {
        var loader = new FakeLoader(cubinCompile: new EntryPointNotFoundException("nvrtcGetCUBIN"));
        var (_, choice) = ModuleImages.Load("relu.cu", 80, [], loader);
        Assert.False(choice.Cubin);
        Assert.Contains("nvrtcGetCUBIN", choice.FallbackReason);
    }

    [Fact]
    public void WhenPtxIsRefusedTooTheErrorSaysNvrtcIsNewerThanTheDriver()
    {
        var loader = new FakeLoader(cubinLoad: CuResult.InvalidImage, ptxLoad: CuResult.UnsupportedPtxVersion);
        var e = Assert.Throws<CudaException>(() => ModuleImages.Load("relu.cu", 90, Nvrtc13, loader));
        Assert.Contains("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", e.Message);
        Assert.Contains("NVRTC 13.1", e.Message);
        Assert.Contains("CUDA 13.0", e.Message);
        Assert.Contains("CUDA_ERROR_INVALID_IMAGE", e.Message);       // why the cubin did not help
        Assert.Contains(LibrarySearch.LibDirVariable, e.Message);
    }

    [Fact]
    public void AStickyErrorWhileLoadingIsNotHiddenByTheFallback()
    {
        var loader = new FakeLoader(cubinLoad: CuResult.IllegalAddress);
        var e = Assert.Throws<CudaException>(() => ModuleImages.Load("relu.cu", 90, Nvrtc13, loader));
        Assert.True(e.PoisonsContext);
        Assert.Equal(["compile sm_90", "load cubin 90"], loader.Tried);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(90)]
    public void NvrtcMakesACubinHoldingEveryKernel(int arch)
    {
        CudaTestSupport.RequireNvrtc();
        if (!KernelCompiler.SupportedArchitectures().Contains(arch)) Assert.Skip($"NVRTC {KernelCompiler.VersionString} cannot target sm_{arch}");
        var file = KernelSources.Files["elementwise_generated.cu"];
        var cubin = KernelCompiler.CompileImage(file.Name, file.Source, KernelSources.Headers, KernelCompiler.Options(arch, cubin: true), cubin: true);
        Assert.Equal([0x7f, (byte)'E', (byte)'L', (byte)'F'], cubin[..4]);        // an ELF image, not PTX text
        var text = Encoding.ASCII.GetString(cubin);
        foreach (var kernel in file.Kernels) Assert.Contains(kernel, text);       // each entry point in its symbol table
        Assert.DoesNotContain(".target", text);
    }
}
