using Engine.Cuda;
using Engine.Tensors;
using Engine.Tests.Training;

namespace Engine.Tests.Cuda;

/// <summary>The seed CNN (Conv-Pool-Conv-Pool-Conv-Dense-Dense, 93,322 parameters) trained with
/// plain SGD from the same weights on the same batch, on the CPU and on the GPU: the loss curves
/// agree within |gpu − cpu| ≤ <see cref="Atol"/> + <see cref="Rtol"/>·|cpu| at every 20th step, and
/// the GPU run allocates no device memory after warm-up. 200 steps of batch 64 on a GPU; 41 steps
/// of batch 8 on the (slow) kernel emulator.
/// Why this tolerance: the GPU sums in other orders (cuBLAS, block reductions, FMA contraction,
/// which stays on as in cuBLAS and PyTorch), and SGD amplifies any rounding difference once
/// near-ties in ReLU and max-pool flip. Measured on the CPU (2026-12-07, same net, batch, lr and
/// 200 steps): weights moved by one ulp end 7.1e-4 apart in loss (3.4e-4 relative; loss 2.318 →
/// 2.114), so a purely relative 1e-3 left only 3× room, and a relative bound alone breaks down as a
/// loss nears zero. The bound at loss 2.1 is 4.1e-3, 5.8× that rounding spread; a real error of the
/// size of a learning rate 5% off ends 1.8e-2 apart (4× over the bound), and wrong kernels far more.
/// The learning rate stays in the stable regime on purpose (at lr 0.05 rounding alone ends 2% apart).</summary>
[Collection(CudaCollection.Name)]
public class SeedCnnAgreementTests(ITestOutputHelper output)
{
    [Fact]
    public void SeedCnnLossCurvesAgreeOnCpuAndGpu()
    {
        var device = CudaTestSupport.TrainingDevice();
        var gpu = CudaTestSupport.BackendOf(device);
        var emulated = CudaTestSupport.IsEmulated(gpu);
        var (steps, batch) = emulated ? (41, 8) : (200, 64);
        const double learningRate = 0.01;

        var (x, y) = SeedCnnOverfitTests.SyntheticBatch(batch, seed: 3);
        var cpuNet = new SeedCnnFromOps(new Rng(11));
        var gpuNet = new SeedCnnFromOps(new Rng(11));
        for (var i = 0; i < gpuNet.Parameters.Length; i++)
        {
            gpuNet.Parameters[i] = cpuNet.Parameters[i].To(device);
            gpuNet.Parameters[i].RequiresGrad = true;
        }
        var (gx, gy) = (x.To(device), y.To(device));

        var cpuLosses = new double[steps];
        var gpuLosses = new double[steps];
        CudaMemoryStats? warm = null;
        for (var step = 0; step < steps; step++)
        {
            cpuLosses[step] = cpuNet.SgdStep(x, y, learningRate);
            gpuLosses[step] = gpuNet.SgdStep(gx, gy, learningRate);
            if (step == 4) warm = gpu.MemoryStats;
        }

        var (worst, table) = Compare(cpuLosses, gpuLosses, Environment.GetEnvironmentVariable("ENGINE_LOSS_EVERY_STEP") == "1" ? 1 : 20,
            $"({gpu.DeviceName}, batch {batch})");
        output.WriteLine(table);
        if (Environment.GetEnvironmentVariable("ENGINE_LOSS_TABLE_OUT") is { Length: > 0 } path) File.WriteAllText(path, table);

        Assert.True(worst <= 1, $"loss curves differ by {worst:F2}× the tolerance (|gpu − cpu| ≤ {Atol} + {Rtol}·|cpu|):\n{table}");
        Assert.True(cpuLosses[^1] < cpuLosses[0], $"the CNN did not learn: {cpuLosses[0]} -> {cpuLosses[^1]}");
        Assert.Equal(warm!.DriverAllocations, gpu.MemoryStats.DriverAllocations);
    }

    public const double Atol = 2e-3, Rtol = 1e-3;

    /// <summary>The largest |gpu − cpu| / (atol + rtol·|cpu|) over the compared steps (≤ 1 passes), and the table.</summary>
    internal static (double Worst, string Table) Compare(double[] cpu, double[] gpu, int every, string title)
    {
        var table = new System.Text.StringBuilder($"step  cpu loss      gpu loss      |diff|     of bound   {title}\n");
        var worst = 0.0;
        for (var step = 0; step < cpu.Length; step += every)
        {
            var diff = Math.Abs(gpu[step] - cpu[step]);
            var share = double.IsFinite(diff) ? diff / (Atol + Rtol * Math.Abs(cpu[step])) : double.PositiveInfinity;
            worst = Math.Max(worst, share);
            table.AppendLine($"{step,4}  {cpu[step],-12:F7}  {gpu[step],-12:F7}  {diff:E2}   {share:F2}");
        }
        return (worst, table.ToString());
    }

    [Fact]
    public void TheToleranceCountsAbsoluteAndRelativeDifferenceAndRejectsNaN()
    {
        // At loss 2.1 the bound is 2e-3 + 2.1e-3 = 4.1e-3; near zero it is the absolute 2e-3.
        Assert.True(Compare([2.1], [2.104], 1, "").Worst <= 1);
        Assert.True(Compare([2.1], [2.105], 1, "").Worst > 1);
        Assert.True(Compare([1e-4], [1.5e-3], 1, "").Worst <= 1);          // relatively 15× apart, absolutely tiny
        Assert.True(Compare([2.1], [double.NaN], 1, "").Worst > 1);
    }
}
