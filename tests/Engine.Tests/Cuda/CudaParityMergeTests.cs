using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>kernels/merge.cu against its CpuBackend twins: broadcasting forward and the sum over
/// broadcast axes, maximum/minimum with their gradient routing, concatenation in and out.</summary>
[Collection(CudaCollection.Name)]
public class CudaParityMergeTests : CudaParityTestBase
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    [Theory]
    [InlineData(new[] { 1, 5, 1 }, new[] { 3, 4, 5, 7 })]
    [InlineData(new[] { 7 }, new[] { 33, 7 })]
    [InlineData(new[] { 3, 1, 1 }, new[] { 5, 3, 9, 11 })]
    [InlineData(new[] { 2, 1, 3, 1, 5 }, new[] { 2, 4, 3, 6, 5 })]
    public void BroadcastForwardAndBackward(int[] input, int[] output)
    {
        var (od, st) = Broadcast.Plan(input, output);
        var x = P.Normal(input);
        var y = P.Normal(output);
        Cpu.BroadcastForward(x.Cpu, y.Cpu, new StridedWalk(od, st));
        P.Gpu.BroadcastForward(x.Gpu, y.Gpu, new StridedWalk(od, st));
        Close("broadcast_forward", y.Cpu, y.Gpu);
        var dy = P.Normal(output);
        var dx = P.Normal(input);
        Cpu.BroadcastBackward(dy.Cpu, dx.Cpu, new StridedWalk(od, st));
        P.Gpu.BroadcastBackward(dy.Gpu, dx.Gpu, new StridedWalk(od, st));
        Close("broadcast_backward", dx.Cpu, dx.Gpu);
    }

    [Fact]
    public void MaximumAndMinimum()
    {
        const int n = 3001;
        var a = P.Normal(n);
        // Every third element ties, so the tie rule is compared too.
        var b = P.Of(Tensor.FromHost(new Shape(n), DType.Float32, null, i => i % 3 == 0 ? a.Cpu.ToDoubleArray()[i] : Math.Cos(i)));
        foreach (var (name, cpuF, gpuF, cpuB, gpuB) in new (string, Action<Tensor, Tensor, Tensor, int>, Action<Tensor, Tensor, Tensor, int>,
                     Action<Tensor, Tensor, Tensor, Tensor?, Tensor?, int>, Action<Tensor, Tensor, Tensor, Tensor?, Tensor?, int>)[]
                 {
                     ("maximum", Cpu.MaximumForward, P.Gpu.MaximumForward, Cpu.MaximumBackward, P.Gpu.MaximumBackward),
                     ("minimum", Cpu.MinimumForward, P.Gpu.MinimumForward, Cpu.MinimumBackward, P.Gpu.MinimumBackward),
                 })
        {
            var y = P.Normal(n);
            cpuF(a.Cpu, b.Cpu, y.Cpu, n);
            gpuF(a.Gpu, b.Gpu, y.Gpu, n);
            Close(name + "_forward", y.Cpu, y.Gpu);
            var (dy, da, db) = (P.Normal(n), P.Normal(n), P.Normal(n));
            cpuB(a.Cpu, b.Cpu, dy.Cpu, da.Cpu, db.Cpu, n);
            gpuB(a.Gpu, b.Gpu, dy.Gpu, da.Gpu, db.Gpu, n);
            Close(name + "_backward da", da.Cpu, da.Gpu);
            Close(name + "_backward db", db.Cpu, db.Gpu);
        }
    }

    [Fact]
    public void ConcatForwardAndBackward()
    {
        const int outer = 3, total = 9, inner = 35;
        var y = P.Normal(outer, total, inner);
        var dy = P.Normal(outer, total, inner);
        var offset = 0;
        foreach (var part in new[] { 2, 4, 3 })
        {
            var x = P.Normal(outer, part, inner);
            Cpu.ConcatForward(x.Cpu, y.Cpu, outer, part, total, offset, inner);
            P.Gpu.ConcatForward(x.Gpu, y.Gpu, outer, part, total, offset, inner);
            var dx = P.Normal(outer, part, inner);
            Cpu.ConcatBackward(dy.Cpu, dx.Cpu, outer, part, total, offset, inner);
            P.Gpu.ConcatBackward(dy.Gpu, dx.Gpu, outer, part, total, offset, inner);
            Close($"concat_backward part {part}", dx.Cpu, dx.Gpu);
            offset += part;
        }
        Close("concat_forward", y.Cpu, y.Gpu);
    }
}
