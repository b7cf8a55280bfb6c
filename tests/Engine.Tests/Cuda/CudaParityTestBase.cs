using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>GPU parity tests compare each kernel with its CpuBackend twin on the same float32
/// inputs (odd shapes, forward and backward; backward outputs start from random values so the
/// accumulation is checked too). Without a GPU every test skips with the reason.</summary>
public abstract class CudaParityTestBase
{
    private Parity? _parity;

    /// <summary>First use skips the test when there is no GPU (nor the kernel emulator).</summary>
    private protected Parity P => _parity ??= new Parity(CudaTestSupport.ParityBackend(), new Rng(20240607));

    /// <summary>The emulator runs a GPU thread at a time: keep its row counts moderate.</summary>
    private protected int Rows(int rows) => CudaTestSupport.IsEmulated(P.Gpu) ? Math.Min(rows, 3001) : rows;

    private protected static void Close(string kernel, Tensor cpu, Tensor gpu, double atol = 1e-4, double rtol = 1e-3) =>
        Parity.AssertClose(kernel, cpu, gpu, atol, rtol);
}
