using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

public class CudaParityElementwiseTests : CudaParityTestBase
{
    private const int N = 3001;   // several blocks, not a multiple of the block size

    private static CpuBackend Cpu => CpuBackend.Instance;

    [Fact]
    public void Relu()
    {
        var x = P.AwayFromZero(N);
        var (y, dy, dx) = (P.Normal(N), P.Normal(N), P.Normal(N));
        Cpu.ReluForward(x.Cpu, y.Cpu, N);
        P.Gpu.ReluForward(x.Gpu, y.Gpu, N);
        Close("relu_forward", y.Cpu, y.Gpu);
        Cpu.ReluBackward(x.Cpu, dy.Cpu, dx.Cpu, N);
        P.Gpu.ReluBackward(x.Gpu, dy.Gpu, dx.Gpu, N);
        Close("relu_backward", dx.Cpu, dx.Gpu);
    }

    [Fact]
    public void Sigmoid()
    {
        var x = P.Of(Tensor.FromHost(new Shape(N), DType.Float32, null, i => (i % 7 == 0 ? 40 : 4) * Math.Sin(i)));   // includes |x| = 40
        var (y, dy, dx) = (P.Normal(N), P.Normal(N), P.Normal(N));
        Cpu.SigmoidForward(x.Cpu, y.Cpu, N);
        P.Gpu.SigmoidForward(x.Gpu, y.Gpu, N);
        Close("sigmoid_forward", y.Cpu, y.Gpu);
        Cpu.SigmoidBackward(y.Cpu, dy.Cpu, dx.Cpu, N);
        P.Gpu.SigmoidBackward(y.Gpu, dy.Gpu, dx.Gpu, N);
        Close("sigmoid_backward", dx.Cpu, dx.Gpu);
    }

    [Fact]
    public void Tanh()
    {
        var x = P.Normal(N);
        var (y, dy, dx) = (P.Normal(N), P.Normal(N), P.Normal(N));
        Cpu.TanhForward(x.Cpu, y.Cpu, N);
        P.Gpu.TanhForward(x.Gpu, y.Gpu, N);
        Close("tanh_forward", y.Cpu, y.Gpu);
        Cpu.TanhBackward(y.Cpu, dy.Cpu, dx.Cpu, N);
        P.Gpu.TanhBackward(y.Gpu, dy.Gpu, dx.Gpu, N);
        Close("tanh_backward", dx.Cpu, dx.Gpu);
    }

    [Fact]
    public void AddSubMulDiv()
    {
        var (a, b) = (P.Normal(N), P.AwayFromZero(N));
        foreach (var (name, cpu, gpu) in new (string, Action<Tensor, Tensor, Tensor, int>, Action<Tensor, Tensor, Tensor, int>)[]
                 {
                     ("add_forward", Cpu.AddForward, P.Gpu.AddForward), ("sub_forward", Cpu.SubForward, P.Gpu.SubForward),
                     ("mul_forward", Cpu.MulForward, P.Gpu.MulForward), ("div_forward", Cpu.DivForward, P.Gpu.DivForward),
                 })
        {
            var y = P.Normal(N);
            cpu(a.Cpu, b.Cpu, y.Cpu, N);
            gpu(a.Gpu, b.Gpu, y.Gpu, N);
            Close(name, y.Cpu, y.Gpu);
        }
    }

    [Fact]
    public void MulAndDivBackward()
    {
        var (a, b, dy) = (P.Normal(N), P.AwayFromZero(N), P.Normal(N));
        var (da, db) = (P.Normal(N), P.Normal(N));
        Cpu.MulBackward(a.Cpu, b.Cpu, dy.Cpu, da.Cpu, db.Cpu, N);
        P.Gpu.MulBackward(a.Gpu, b.Gpu, dy.Gpu, da.Gpu, db.Gpu, N);
        Close("mul_backward da", da.Cpu, da.Gpu);
        Close("mul_backward db", db.Cpu, db.Gpu);
        Cpu.DivBackward(a.Cpu, b.Cpu, dy.Cpu, da.Cpu, db.Cpu, N);
        P.Gpu.DivBackward(a.Gpu, b.Gpu, dy.Gpu, da.Gpu, db.Gpu, N);
        Close("div_backward da", da.Cpu, da.Gpu);
        Close("div_backward db", db.Cpu, db.Gpu);
        // A null gradient is skipped on both.
        Cpu.DivBackward(a.Cpu, b.Cpu, dy.Cpu, null, db.Cpu, N);
        P.Gpu.DivBackward(a.Gpu, b.Gpu, dy.Gpu, null, db.Gpu, N);
        Close("div_backward db only", db.Cpu, db.Gpu);
        Close("div_backward da untouched", da.Cpu, da.Gpu);
    }

    [Fact]
    public void AxpyAffineExpLog()
    {
        var (x, y) = (P.Normal(N), P.Normal(N));
        Cpu.Axpy(-0.37, x.Cpu, y.Cpu, N);
        P.Gpu.Axpy(-0.37, x.Gpu, y.Gpu, N);
        Close("axpy", y.Cpu, y.Gpu);
        Cpu.AffineForward(x.Cpu, y.Cpu, 1.5, -0.25, N);
        P.Gpu.AffineForward(x.Gpu, y.Gpu, 1.5, -0.25, N);
        Close("affine_forward", y.Cpu, y.Gpu);
        Cpu.ExpForward(x.Cpu, y.Cpu, N);
        P.Gpu.ExpForward(x.Gpu, y.Gpu, N);
        Close("exp_forward", y.Cpu, y.Gpu);
        var pos = P.Uniform(0.05, 5, N);
        Cpu.LogForward(pos.Cpu, y.Cpu, N);
        P.Gpu.LogForward(pos.Gpu, y.Gpu, N);
        Close("log_forward", y.Cpu, y.Gpu);
        var (dy, dx) = (P.Normal(N), P.Normal(N));
        Cpu.LogBackward(pos.Cpu, dy.Cpu, dx.Cpu, N);
        P.Gpu.LogBackward(pos.Gpu, dy.Gpu, dx.Gpu, N);
        Close("log_backward", dx.Cpu, dx.Gpu);
    }

    [Theory]
    [InlineData(3, 5, 77)]      // conv-like [N, C, H*W]
    [InlineData(37, 11, 1)]     // dense [N, F, 1]
    [InlineData(1, 3, 5000)]    // long channels: several passes of the block
    public void BiasAdd(int outer, int channels, int inner)
    {
        var (x, bias, y) = (P.Normal(outer, channels, inner), P.Normal(channels), P.Normal(outer, channels, inner));
        Cpu.BiasAddForward(x.Cpu, bias.Cpu, y.Cpu, outer, channels, inner);
        P.Gpu.BiasAddForward(x.Gpu, bias.Gpu, y.Gpu, outer, channels, inner);
        Close("bias_add_forward", y.Cpu, y.Gpu);
        var db = P.Normal(channels);
        Cpu.BiasAddBackward(x.Cpu, db.Cpu, outer, channels, inner);
        P.Gpu.BiasAddBackward(x.Gpu, db.Gpu, outer, channels, inner);
        Close("bias_add_backward", db.Cpu, db.Gpu);
    }

    [Theory]
    [InlineData(3, 5, 7)]
    [InlineData(1, 1000, 1)]     // one long axis: the block reduction loops
    [InlineData(70, 1, 3)]       // a "reduction" of length 1
    [InlineData(300, 33, 1)]     // many rows
    public void SumAxis(int outer, int axis, int inner)
    {
        var x = P.Normal(outer, axis, inner);
        var y = P.Normal(outer, inner);
        Cpu.SumAxisForward(x.Cpu, y.Cpu, outer, axis, inner, 1.0 / axis);
        P.Gpu.SumAxisForward(x.Gpu, y.Gpu, outer, axis, inner, 1.0 / axis);
        Close("sum_axis_forward", y.Cpu, y.Gpu);
        var dx = P.Normal(outer, axis, inner);
        Cpu.SumAxisBackward(y.Cpu, dx.Cpu, outer, axis, inner, 0.5);
        P.Gpu.SumAxisBackward(y.Gpu, dx.Gpu, outer, axis, inner, 0.5);
        Close("sum_axis_backward", dx.Cpu, dx.Gpu);
    }

    [Fact]
    public void Transpose01FloatAndInt()
    {
        var x = P.Normal(3, 5, 7);
        var y = P.Normal(5, 3, 7);
        Cpu.Transpose01(x.Cpu, y.Cpu, 3, 5, 7);
        P.Gpu.Transpose01(x.Gpu, y.Gpu, 3, 5, 7);
        Close("transpose01", y.Cpu, y.Gpu, 0, 0);
        var xi = P.Ints(3 * 5 * 7, 1000);
        var yi = P.Ints(3 * 5 * 7, 1);
        Cpu.Transpose01(xi.Cpu, yi.Cpu, 3, 5, 7);
        P.Gpu.Transpose01(xi.Gpu, yi.Gpu, 3, 5, 7);
        Assert.Equal(yi.Cpu.ToArray<int>(), yi.Gpu.ToArray<int>());
    }

    [Fact]
    public void FillCopyCast()
    {
        var x = P.Values([-2.7f, 2.7f, -0.5f, 0f, 1e6f, -3e9f, 3e9f], 7);
        var i = P.Ints(7, 1);
        Cpu.Cast(x.Cpu, i.Cpu, 7);
        P.Gpu.Cast(x.Gpu, i.Gpu, 7);
        Assert.Equal(i.Cpu.ToArray<int>(), i.Gpu.ToArray<int>());
        var back = P.Normal(7);
        Cpu.Cast(i.Cpu, back.Cpu, 7);
        P.Gpu.Cast(i.Gpu, back.Gpu, 7);
        Close("cast_i32_to_f32", back.Cpu, back.Gpu, 0, 0);
        var y = P.Normal(N);
        Cpu.Fill(y.Cpu, -1.25, N - 1);
        P.Gpu.Fill(y.Gpu, -1.25, N - 1);
        Close("fill", y.Cpu, y.Gpu, 0, 0);
        var z = P.Normal(N);
        Cpu.Copy(z.Cpu, y.Cpu, N);
        P.Gpu.Copy(z.Gpu, y.Gpu, N);
        Close("copy", y.Cpu, y.Gpu, 0, 0);
    }
}
