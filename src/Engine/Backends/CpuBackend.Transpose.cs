using Engine.Tensors;

namespace Engine.Backends;

/// <summary>CPU twins of kernels/transpose.cu. Any element type moves as it is (float32, float64, int32).</summary>
public sealed partial class CpuBackend
{
    public void Transpose01(Tensor x, Tensor y, int a, int b, int c)
    {
        switch (x.DType)
        {
            case DType.Float32: Transpose01<float>(x.Span<float>(), y.Span<float>(), a, b, c); break;
            case DType.Float64: Transpose01<double>(x.Span<double>(), y.Span<double>(), a, b, c); break;
            default: Transpose01<int>(x.Span<int>(), y.Span<int>(), a, b, c); break;
        }
    }

    private static void Transpose01<T>(ReadOnlySpan<T> x, Span<T> y, int a, int b, int c)
    {
        for (var i = 0; i < a; i++)
            for (var j = 0; j < b; j++)
                x.Slice((i * b + j) * c, c).CopyTo(y.Slice((j * a + i) * c, c));
    }
    public void TransposeNd(Tensor x, Tensor y, StridedWalk walk)
    {
        var (d, s) = (walk.Require(8, KernelNames.Of()).Dims, walk.Strides);
        var total = checked((int)walk.Size);
        CheckSameType(x, y, KernelNames.Of());
        switch (x.DType)
        {
            case DType.Float32: TransposeNd<float>(x, y, total, d, s); break;
            case DType.Float64: TransposeNd<double>(x, y, total, d, s); break;
            case DType.Int32: TransposeNd<int>(x, y, total, d, s); break;
            default: throw new ArgumentException($"transpose_nd supports float32, float64 and int32; got {x.DType.Name()}.");
        }
    }

    private static void TransposeNd<T>(Tensor xt, Tensor yt, int total, int[] d, int[] s) where T : unmanaged
    {
        var x = xt.Span<T>();
        var y = yt.Span<T>();
        for (var o = 0; o < total; o++)
        {
            long rest = o, from = 0;
            for (var a = 7; a >= 0; a--)
            {
                from += rest % d[a] * s[a];
                rest /= d[a];
            }
            y[o] = x[(int)from];
        }
    }
}
