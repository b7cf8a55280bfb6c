using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Launches of kernels/bias.cu.</summary>
public sealed partial class CudaBackend
{
    public void BiasAddForward(Tensor x, Tensor bias, Tensor y, int outer, int channels, int inner)
    {
        var k = KernelNames.Of();
        var size = (long)outer * channels * inner;
        Launch(k, Grid1D(size), F32(x, size, k), F32(bias, channels, k), F32(y, size, k), outer, channels, inner);
    }

    public void BiasAddBackward(Tensor dy, Tensor dbias, int outer, int channels, int inner)
    {
        var k = KernelNames.Of();
        var size = (long)outer * channels * inner;
        Launch(k, BlockPerRow(channels, (long)outer * inner), F32(dy, size, k), F32(dbias, channels, k), outer, channels, inner);
    }
}
