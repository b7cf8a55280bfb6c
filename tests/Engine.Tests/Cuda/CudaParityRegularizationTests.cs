using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Dropout (bit-identical masks), batch norm, and the optimizer steps.</summary>
public class CudaParityRegularizationTests : CudaParityTestBase
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    [Theory]
    [InlineData(0.3, 42UL)]
    [InlineData(0.1, 0xDEADBEEFCAFEUL)]
    [InlineData(0.0, 7UL)]
    public void DropoutDropsExactlyTheSameElements(double rate, ulong seed)
    {
        const int n = 100_003;
        var x = P.Normal(n);
        var (y, mask) = (P.Normal(n), P.Normal(n));
        Cpu.DropoutForward(x.Cpu, y.Cpu, mask.Cpu, n, rate, seed);
        P.Gpu.DropoutForward(x.Gpu, y.Gpu, mask.Gpu, n, rate, seed);
        Assert.Equal(mask.Cpu.ToArray<float>(), mask.Gpu.ToArray<float>());
        Close("dropout_forward", y.Cpu, y.Gpu);
        // And both follow CounterRng: element i is dropped iff Uniform(seed, i) < rate.
        var m = mask.Gpu.ToArray<float>();
        for (var i = 0; i < n; i += 997) Assert.Equal(CounterRng.Uniform(seed, (uint)i) < rate, m[i] == 0);
    }

    [Theory]
    [InlineData(3, 5, 11)]     // conv: [N, C, H*W]
    [InlineData(37, 7, 1)]     // dense: [N, F]
    [InlineData(2, 3, 900)]    // many values per channel: the block loops
    public void BatchNorm(int n, int c, int hw)
    {
        var x = P.Of(Tensor.FromHost(new Shape(n, c, hw), DType.Float32, null, i => 3 + 2 * Math.Sin(i * 0.7)));
        var (gamma, beta) = (P.Uniform(0.5, 1.5, c), P.Normal(c));
        var (y, mean, invstd) = (P.Normal(n, c, hw), P.Normal(c), P.Normal(c));
        var (rm, rv) = (P.Normal(c), P.Uniform(0.5, 2, c));
        Cpu.BatchNormForwardTraining(x.Cpu, gamma.Cpu, beta.Cpu, y.Cpu, mean.Cpu, invstd.Cpu, rm.Cpu, rv.Cpu, n, c, hw, 0.99, 1e-3);
        P.Gpu.BatchNormForwardTraining(x.Gpu, gamma.Gpu, beta.Gpu, y.Gpu, mean.Gpu, invstd.Gpu, rm.Gpu, rv.Gpu, n, c, hw, 0.99, 1e-3);
        Close("batch_norm_forward_training y", y.Cpu, y.Gpu);
        Close("batch_norm_forward_training mean", mean.Cpu, mean.Gpu);
        Close("batch_norm_forward_training invstd", invstd.Cpu, invstd.Gpu);
        Close("batch_norm_forward_training running_mean", rm.Cpu, rm.Gpu);
        Close("batch_norm_forward_training running_var", rv.Cpu, rv.Gpu);

        var yi = P.Normal(n, c, hw);
        Cpu.BatchNormForwardInference(x.Cpu, gamma.Cpu, beta.Cpu, rm.Cpu, rv.Cpu, yi.Cpu, n, c, hw, 1e-3);
        P.Gpu.BatchNormForwardInference(x.Gpu, gamma.Gpu, beta.Gpu, rm.Gpu, rv.Gpu, yi.Gpu, n, c, hw, 1e-3);
        Close("batch_norm_forward_inference", yi.Cpu, yi.Gpu);

        var (dy, dx, dgamma, dbeta) = (P.Normal(n, c, hw), P.Normal(n, c, hw), P.Normal(c), P.Normal(c));
        Cpu.BatchNormBackward(x.Cpu, dy.Cpu, gamma.Cpu, mean.Cpu, invstd.Cpu, dx.Cpu, dgamma.Cpu, dbeta.Cpu, n, c, hw);
        P.Gpu.BatchNormBackward(x.Gpu, dy.Gpu, gamma.Gpu, mean.Gpu, invstd.Gpu, dx.Gpu, dgamma.Gpu, dbeta.Gpu, n, c, hw);
        Close("batch_norm_backward dx", dx.Cpu, dx.Gpu);
        Close("batch_norm_backward dgamma", dgamma.Cpu, dgamma.Gpu);
        Close("batch_norm_backward dbeta", dbeta.Cpu, dbeta.Gpu);
    }

    private const int Params = 4099;

    [Theory]
    [InlineData(0.0, 0.0, false, 0.0)]
    [InlineData(0.9, 0.0, false, 1e-2)]
    [InlineData(0.9, 0.1, false, 0.0)]
    [InlineData(0.9, 0.0, true, 5e-3)]
    public void SgdStep(double momentum, double dampening, bool nesterov, double wd)
    {
        var (p, v) = (P.Normal(Params), P.Of(Tensor.Zeros(new Shape(Params))));
        for (var step = 0; step < 3; step++)
        {
            var g = P.Normal(Params);
            Cpu.SgdStep(p.Cpu, g.Cpu, v.Cpu, Params, 0.05, momentum, dampening, nesterov, wd);
            P.Gpu.SgdStep(p.Gpu, g.Gpu, v.Gpu, Params, 0.05, momentum, dampening, nesterov, wd);
        }
        Close("sgd_step param", p.Cpu, p.Gpu);
        Close("sgd_step velocity", v.Cpu, v.Gpu);
    }

    [Theory]
    [InlineData(0.0, false, false)]
    [InlineData(0.01, false, false)]   // Adam with L2
    [InlineData(0.01, true, false)]    // AdamW
    [InlineData(0.01, true, true)]     // AdamW + AMSGrad
    public void AdamStep(double wd, bool decoupled, bool amsgrad)
    {
        var p = P.Normal(Params);
        var (m, v, vMax) = (P.Of(Tensor.Zeros(new Shape(Params))), P.Of(Tensor.Zeros(new Shape(Params))), P.Of(Tensor.Zeros(new Shape(Params))));
        for (long step = 1; step <= 3; step++)
        {
            var g = P.Normal(Params);
            Cpu.AdamStep(p.Cpu, g.Cpu, m.Cpu, v.Cpu, amsgrad ? vMax.Cpu : null, Params, 1e-2, 0.9, 0.999, 1e-8, wd, decoupled, step);
            P.Gpu.AdamStep(p.Gpu, g.Gpu, m.Gpu, v.Gpu, amsgrad ? vMax.Gpu : null, Params, 1e-2, 0.9, 0.999, 1e-8, wd, decoupled, step);
        }
        Close("adam_step param", p.Cpu, p.Gpu);
        Close("adam_step m", m.Cpu, m.Gpu);
        Close("adam_step v", v.Cpu, v.Gpu);
        Close("adam_step v_max", vMax.Cpu, vMax.Gpu);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.9, 1e-3)]
    public void RmspropStep(double momentum, double wd)
    {
        var p = P.Normal(Params);
        var (sq, buf) = (P.Of(Tensor.Zeros(new Shape(Params))), P.Of(Tensor.Zeros(new Shape(Params))));
        for (var step = 0; step < 3; step++)
        {
            var g = P.Normal(Params);
            Cpu.RmspropStep(p.Cpu, g.Cpu, sq.Cpu, momentum > 0 ? buf.Cpu : null, Params, 1e-2, 0.9, 1e-7, momentum, wd);
            P.Gpu.RmspropStep(p.Gpu, g.Gpu, sq.Gpu, momentum > 0 ? buf.Gpu : null, Params, 1e-2, 0.9, 1e-7, momentum, wd);
        }
        Close("rmsprop_step param", p.Cpu, p.Gpu);
        Close("rmsprop_step square_avg", sq.Cpu, sq.Gpu);
        Close("rmsprop_step momentum_buffer", buf.Cpu, buf.Gpu);
    }

    [Fact]
    public void GradientClipping()
    {
        var (x, norm) = (P.Normal(Params), P.Values([0.5f], 1));
        Cpu.SquaredNormAccumulate(x.Cpu, norm.Cpu, Params);
        P.Gpu.SquaredNormAccumulate(x.Gpu, norm.Gpu, Params);
        Close("squared_norm_accumulate", norm.Cpu, norm.Gpu);
        Cpu.ScaleToMaxNorm(x.Cpu, norm.Cpu, 3.0, Params);
        P.Gpu.ScaleToMaxNorm(x.Gpu, norm.Gpu, 3.0, Params);
        Close("scale_to_max_norm", x.Cpu, x.Gpu);
        var y = P.Of(Tensor.FromHost(new Shape(Params), DType.Float32, null, i => i == 7 ? double.NaN : 3 * Math.Sin(i)));
        Cpu.ClipByValue(y.Cpu, 1.25, Params);
        P.Gpu.ClipByValue(y.Gpu, 1.25, Params);
        Close("clip_by_value", y.Cpu, y.Gpu, 0, 0);
    }
}
