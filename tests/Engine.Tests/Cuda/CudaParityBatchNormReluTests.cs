namespace Engine.Tests.Cuda;

/// <summary>The fused batch norm + ReLU kernels (kernels/batchnorm.cu batch_norm_relu_*) against their CPU twins.</summary>
[Collection(CudaCollection.Name)]
public class CudaParityBatchNormReluTests : CudaParityTestBase
{
    private static Engine.Backends.CpuBackend Cpu => Engine.Backends.CpuBackend.Instance;

    [Theory]
    [InlineData(3, 5, 11)]     // conv: [N, C, H*W]
    [InlineData(37, 7, 1)]     // dense: [N, F]
    [InlineData(2, 3, 900)]    // many values per channel: the block loops
    public void BatchNormRelu(int n, int c, int hw)
    {
        var x = P.Normal(n, c, hw);
        var (gamma, beta) = (P.Uniform(0.5, 1.5, c), P.Normal(c));
        var (y, mean, invstd) = (P.Normal(n, c, hw), P.Normal(c), P.Normal(c));
        var (rm, rv) = (P.Normal(c), P.Uniform(0.5, 2, c));
        Cpu.BatchNormReluForwardTraining(x.Cpu, gamma.Cpu, beta.Cpu, y.Cpu, mean.Cpu, invstd.Cpu, rm.Cpu, rv.Cpu, n, c, hw, 0.99, 1e-3);
        P.Gpu.BatchNormReluForwardTraining(x.Gpu, gamma.Gpu, beta.Gpu, y.Gpu, mean.Gpu, invstd.Gpu, rm.Gpu, rv.Gpu, n, c, hw, 0.99, 1e-3);
        Close("batch_norm_relu_forward_training y", y.Cpu, y.Gpu);
        Close("batch_norm_relu_forward_training mean", mean.Cpu, mean.Gpu);
        Close("batch_norm_relu_forward_training invstd", invstd.Cpu, invstd.Gpu);
        Close("batch_norm_relu_forward_training running_mean", rm.Cpu, rm.Gpu);
        Close("batch_norm_relu_forward_training running_var", rv.Cpu, rv.Gpu);
        Assert.Contains(y.Cpu.ToFloatArray(), v => v == 0);

        var yi = P.Normal(n, c, hw);
        Cpu.BatchNormReluForwardInference(x.Cpu, gamma.Cpu, beta.Cpu, rm.Cpu, rv.Cpu, yi.Cpu, n, c, hw, 1e-3);
        P.Gpu.BatchNormReluForwardInference(x.Gpu, gamma.Gpu, beta.Gpu, rm.Gpu, rv.Gpu, yi.Gpu, n, c, hw, 1e-3);
        Close("batch_norm_relu_forward_inference", yi.Cpu, yi.Gpu);

        // Both backward kernels get the CPU's saved statistics, so they recompute the same ReLU mask.
        var (meanS, invstdS) = (P.Of(mean.Cpu), P.Of(invstd.Cpu));
        var (dy, dx, dgamma, dbeta) = (P.Normal(n, c, hw), P.Normal(n, c, hw), P.Normal(c), P.Normal(c));
        Cpu.BatchNormReluBackward(x.Cpu, dy.Cpu, gamma.Cpu, beta.Cpu, meanS.Cpu, invstdS.Cpu, dx.Cpu, dgamma.Cpu, dbeta.Cpu, n, c, hw);
        P.Gpu.BatchNormReluBackward(x.Gpu, dy.Gpu, gamma.Gpu, beta.Gpu, meanS.Gpu, invstdS.Gpu, dx.Gpu, dgamma.Gpu, dbeta.Gpu, n, c, hw);
        Close("batch_norm_relu_backward dx", dx.Cpu, dx.Gpu);
        Close("batch_norm_relu_backward dgamma", dgamma.Cpu, dgamma.Gpu);
        Close("batch_norm_relu_backward dbeta", dbeta.Cpu, dbeta.Gpu);
    }
}

/// <summary>The fused residual join (kernels/add_relu.cu) against its CPU twin.</summary>
[Collection(CudaCollection.Name)]
public class CudaParityAddReluTests : CudaParityTestBase
{
    private static Engine.Backends.CpuBackend Cpu => Engine.Backends.CpuBackend.Instance;

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(70_001)]
    public void AddRelu(int n)
    {
        var (a, b, y) = (P.Normal(n), P.Normal(n), P.Normal(n));
        Cpu.AddReluForward(a.Cpu, b.Cpu, y.Cpu, n);
        P.Gpu.AddReluForward(a.Gpu, b.Gpu, y.Gpu, n);
        Close("add_relu_forward", y.Cpu, y.Gpu);

        var (dy, da, db) = (P.Normal(n), P.Normal(n), P.Normal(n));
        Cpu.AddReluBackward(y.Cpu, dy.Cpu, da.Cpu, db.Cpu, n);
        P.Gpu.AddReluBackward(y.Gpu, dy.Gpu, da.Gpu, db.Gpu, n);
        Close("add_relu_backward da", da.Cpu, da.Gpu);
        Close("add_relu_backward db", db.Cpu, db.Gpu);

        var only = P.Normal(n); // one gradient absent (null)
        Cpu.AddReluBackward(y.Cpu, dy.Cpu, only.Cpu, null, n);
        P.Gpu.AddReluBackward(y.Gpu, dy.Gpu, only.Gpu, null, n);
        Close("add_relu_backward da only", only.Cpu, only.Gpu);
    }
}
