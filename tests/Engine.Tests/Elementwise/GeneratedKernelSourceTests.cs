using Engine.Backends.Elementwise;
using Engine.Cuda;
using Engine.Tests.Cuda;

namespace Engine.Tests.Elementwise;

/// <summary>kernels/elementwise_generated.cu is what the op table prints now. It is checked in because
/// the NVRTC compile check, the embedded resources and the kernel emulator read kernels/*.cu as files;
/// this test keeps the copy honest. With ENGINE_REGENERATE_KERNELS=1 it rewrites the file instead.</summary>
public class GeneratedKernelSourceTests
{
    [Fact]
    public void CheckedInFileMatchesTheOpTable()
    {
        var expected = CudaSource.Generate(ElementwiseOps.All);
        var root = KernelEmulator.RepoRoot();
        if (root is null)
        {
            // Outside a checkout (the GPU bundle) the embedded copy is what the engine runs: compare that.
            Assert.Equal(expected, KernelSources.Files[CudaSource.FileName].Source);
            return;
        }
        var path = Path.Combine(root, "kernels", CudaSource.FileName);
        if (Environment.GetEnvironmentVariable("ENGINE_REGENERATE_KERNELS") == "1")
        {
            File.WriteAllText(path, expected);
            return;
        }
        var actual = File.Exists(path) ? File.ReadAllText(path) : "";
        Assert.True(expected == actual,
            $"kernels/{CudaSource.FileName} differs from what src/Engine/Backends/Elementwise/ElementwiseOps.cs produces; " +
            $"regenerate it with\n  {CudaSource.RegenerateCommand}\nthen rebuild (the file is embedded) and rebuild the kernel emulator (scripts/kernel-emulator/build.sh).");
    }

    [Fact]
    public void EveryOpHasAForwardAndBackwardKernelInTheEmbeddedFile()
    {
        var file = KernelSources.Files[CudaSource.FileName];
        foreach (var op in ElementwiseOps.All)
        {
            Assert.Contains(op.ForwardKernel, file.Kernels);
            Assert.Contains(op.BackwardKernel, file.Kernels);
        }
        Assert.Equal(ElementwiseOps.All.Count, ElementwiseOps.All.Select(o => o.Name).Distinct().Count());
    }

    [Fact]
    public void PrintsFloatArithmeticWithTheTablesOrder()
    {
        Assert.Equal("(dy[i] * y[i]) * (1.0f - y[i])", CudaSource.Print(ElementwiseOps.Sigmoid.Grads[0].Value, top: true));
        Assert.Equal("fminf(fmaxf(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f", CudaSource.Print(ElementwiseOps.HardSigmoid.Forward, top: true));
        Assert.Equal("((x[i] > (-3.0f)) && (x[i] < 3.0f)) ? (dy[i] / 6.0f) : 0.0f", CudaSource.Print(ElementwiseOps.HardSigmoid.Grads[0].Value, top: true));
    }
}
