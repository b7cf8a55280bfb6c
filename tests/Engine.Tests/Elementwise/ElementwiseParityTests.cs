using Engine.Backends;
using Engine.Backends.Elementwise;
using Engine.Tensors;
using Engine.Tests.Cuda;

namespace Engine.Tests.Elementwise;

/// <summary>Every generated op's CUDA kernels (kernels/elementwise_generated.cu) against its CPU loop in
/// float32, forward and backward (gradient buffers start from random values, so the accumulation is
/// checked; with two gradients also with one of them null). Skips without a GPU or the emulator.</summary>
[Collection(CudaCollection.Name)]
public class ElementwiseParityTests : CudaParityTestBase
{
    private const int N = 3001;   // several blocks, not a multiple of the block size

    [Theory]
    [MemberData(nameof(ElementwiseOpCases.Names), MemberType = typeof(ElementwiseOpCases))]
    public void GpuMatchesCpu(string name)
    {
        var op = ElementwiseOpCases.Op(name);
        var p = ElementwiseOpCases.Params(op);
        var shape = new Shape(N);
        var inputs = Enumerable.Range(0, op.Inputs.Count).Select(k => P.Of(ElementwiseOpCases.Input(op, k, shape, DType.Float32, seed: k))).ToArray();
        var (a, b) = (inputs[0], inputs.Length > 1 ? inputs[1] : default);
        var y = P.Normal(N);
        CpuBackend.Instance.ElementwiseForward(op, a.Cpu, b.Cpu, y.Cpu, N, p[0], p[1], p[2]);
        P.Gpu.ElementwiseForward(op, a.Gpu, b.Gpu, y.Gpu, N, p[0], p[1], p[2]);
        Close(op.ForwardKernel, y.Cpu, y.Gpu);

        (Tensor Cpu, Tensor Gpu) Saved(string s) => s == "y" ? y : s == op.Inputs[0] ? a : b;
        var s0 = op.Saved.Count > 0 ? Saved(op.Saved[0]) : default;
        var s1 = op.Saved.Count > 1 ? Saved(op.Saved[1]) : default;
        var dy = P.Normal(N);
        foreach (var skipFirst in op.GradsOptional ? new[] { false, true } : [false])
        {
            var g0 = skipFirst ? default : P.Normal(N);
            var g1 = op.Grads.Count > 1 ? P.Normal(N) : default;
            CpuBackend.Instance.ElementwiseBackward(op, s0.Cpu, s1.Cpu, dy.Cpu, g0.Cpu, g1.Cpu, N, p[0], p[1], p[2]);
            P.Gpu.ElementwiseBackward(op, s0.Gpu, s1.Gpu, dy.Gpu, g0.Gpu, g1.Gpu, N, p[0], p[1], p[2]);
            if (g0.Cpu is not null) Close($"{op.BackwardKernel} {op.Grads[0].Grad}", g0.Cpu, g0.Gpu);
            if (g1.Cpu is not null) Close($"{op.BackwardKernel} {op.Grads[1].Grad}{(skipFirst ? $" ({op.Grads[0].Grad} null)" : "")}", g1.Cpu, g1.Gpu);
        }
    }
}
