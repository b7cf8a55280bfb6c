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

    public void TransposeNd(Tensor x, Tensor y, int total, int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7,
        int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7)
    {
        var k = KernelNames.Of();
        if (x.DType != y.DType)
            throw new ArgumentException($"{k}: operands have dtypes {x.DType.Name()} and {y.DType.Name()}; they must match.");
        Launch(k, Grid1D(total), KernelArg32(x, total, k), KernelArg32(y, total, k), total,
            d0, d1, d2, d3, d4, d5, d6, d7, s0, s1, s2, s3, s4, s5, s6, s7);
    }

    /// <summary>A float32 or int32 tensor as a raw 32-bit word pointer.</summary>
    private Cuda.KernelArg KernelArg32(Tensor t, long need, string kernel) => Cuda.KernelArg.Pointer(Words(t, need, kernel));
}
