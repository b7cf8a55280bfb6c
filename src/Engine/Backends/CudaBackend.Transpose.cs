using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void Transpose01(Tensor x, Tensor y, int a, int b, int c)
    {
        var k = KernelNames.Of();
        if (x.DType != y.DType)
            throw new ArgumentException($"{k}: operands have dtypes {x.DType.Name()} and {y.DType.Name()}; they must match.");
        var size = (long)a * b * c;
        Launch(k, Grid1D(size), KernelArg32(x, size, k), KernelArg32(y, size, k), a, b, c);
    }

    public void TransposeNd(Tensor x, Tensor y, StridedWalk walk)
    {
        var k = KernelNames.Of();
        if (x.DType != y.DType)
            throw new ArgumentException($"{k}: operands have dtypes {x.DType.Name()} and {y.DType.Name()}; they must match.");
        var (d, s) = (walk.Require(8, k).Dims, walk.Strides);
        var total = checked((int)walk.Size);
        Launch(k, Grid1D(total), KernelArg32(x, total, k), KernelArg32(y, total, k), total,
            d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    }

    /// <summary>A float32 or int32 tensor as a raw 32-bit word pointer.</summary>
    private Cuda.KernelArg KernelArg32(Tensor t, long need, string kernel) => Cuda.KernelArg.Pointer(Words(t, need, kernel));
}
