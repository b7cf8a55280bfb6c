using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Pairs of tensors with identical float32 contents, one on the CPU and one on the GPU,
/// and the parity check |gpu − cpu| ≤ atol + rtol·|cpu| that reports the first mismatching indices.</summary>
internal sealed class Parity(CudaBackend gpu, Rng rng)
{
    public CudaBackend Gpu { get; } = gpu;

    public static CpuBackend Cpu => CpuBackend.Instance;

    public (Tensor Cpu, Tensor Gpu) Of(Tensor cpu) => (cpu, CudaTestSupport.ToBackend(cpu, Gpu));

    public (Tensor Cpu, Tensor Gpu) Normal(params int[] shape) => Of(Tensor.RandomNormal(new Shape(shape), rng));

    public (Tensor Cpu, Tensor Gpu) Uniform(double low, double high, params int[] shape) =>
        Of(Tensor.RandomUniform(new Shape(shape), rng, low, high));

    /// <summary>|v| ≥ 0.1 (away from the kinks of ReLU and from division by ~0).</summary>
    public (Tensor Cpu, Tensor Gpu) AwayFromZero(params int[] shape) => Of(Tensor.FromHost(new Shape(shape), DType.Float32, null, _ =>
    {
        var v = rng.NextNormal();
        return v >= 0 ? v + 0.1 : v - 0.1;
    }));

    public (Tensor Cpu, Tensor Gpu) Ints(int count, int maxExclusive) =>
        Of(Tensor.FromArray(Enumerable.Range(0, count).Select(_ => rng.NextInt(maxExclusive)).ToArray()));

    public (Tensor Cpu, Tensor Gpu) Values(float[] values, params int[] shape) => Of(Tensor.FromArray(values, new Shape(shape)));

    public static void AssertClose(string kernel, Tensor cpu, Tensor gpu, double atol = 1e-4, double rtol = 1e-3)
    {
        Assert.Equal(cpu.Shape, gpu.Shape);
        var c = cpu.ToDoubleArray();
        var g = gpu.ToDoubleArray();
        var bad = new List<int>();
        for (var i = 0; i < c.Length; i++)
        {
            var same = (double.IsNaN(c[i]) && double.IsNaN(g[i])) || c[i] == g[i] || Math.Abs(g[i] - c[i]) <= atol + rtol * Math.Abs(c[i]);
            if (!same) bad.Add(i);
        }
        if (bad.Count == 0) return;
        var first = bad.Take(5).Select(i => $"[{i}] {Index(cpu.Shape, i)} cpu={c[i]:G9} gpu={g[i]:G9}");
        Assert.Fail($"{kernel}: {bad.Count} of {c.Length} differ (atol {atol}, rtol {rtol}); first at {string.Join("; ", first)}");
    }

    private static string Index(Shape shape, int flat)
    {
        var idx = new int[shape.Rank];
        for (var a = shape.Rank - 1; a >= 0; a--)
        {
            idx[a] = flat % shape[a];
            flat /= shape[a];
        }
        return "(" + string.Join(", ", idx) + ")";
    }
}
