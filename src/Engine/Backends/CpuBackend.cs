using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The reference backend: plain loops, generic over float and double (double is what
/// gradient checks run in). Each method is the CPU twin of a CUDA kernel with the same name and
/// arguments. Split by op family over the CpuBackend.*.cs files.</summary>
public sealed partial class CpuBackend : IBackend
{
    public static CpuBackend Instance { get; } = new();

    private CpuBackend()
    {
    }

    public Device Device => Device.Cpu;

    public Storage Allocate(DType dtype, int length) => CpuStorage.Rent(dtype, length);

    public void Synchronize()
    {
    }

    private const int FillChunk = 1 << 16;

    public void Fill(Tensor y, double value, int n)
    {
        switch (y.DType)
        {
            case DType.Float32 when n >= 2 * FillChunk:
                // Gradient buffers are zero-filled every step; a big one fills on both cores.
                CpuParallel.ForEachPlane((n + FillChunk - 1) / FillChunk, FillChunk, (y, n, value), static (s, chunk) =>
                {
                    var start = chunk * FillChunk;
                    s.y.Span<float>().Slice(start, Math.Min(FillChunk, s.n - start)).Fill((float)s.value);
                });
                break;
            case DType.Float32: y.Span<float>()[..n].Fill((float)value); break;
            case DType.Float64: y.Span<double>()[..n].Fill(value); break;
            default: y.Span<int>()[..n].Fill(checked((int)value)); break;
        }
    }

    public void Copy(Tensor x, Tensor y, int n)
    {
        CheckSameType(x, y, "Copy");
        switch (x.DType)
        {
            case DType.Float32: x.Span<float>()[..n].CopyTo(y.Span<float>()); break;
            case DType.Float64: x.Span<double>()[..n].CopyTo(y.Span<double>()); break;
            default: x.Span<int>()[..n].CopyTo(y.Span<int>()); break;
        }
    }

    public void Cast(Tensor x, Tensor y, int n)
    {
        var src = x.ToDoubleArray();
        switch (y.DType)
        {
            case DType.Float32: { var d = y.Span<float>(); for (var i = 0; i < n; i++) d[i] = (float)src[i]; break; }
            case DType.Float64: src.AsSpan(0, n).CopyTo(y.Span<double>()); break;
            default: { var d = y.Span<int>(); for (var i = 0; i < n; i++) d[i] = (int)src[i]; break; }
        }
    }

    private static void CheckSameType(Tensor a, Tensor b, string kernel)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{kernel}: operands have dtypes {a.DType.Name()} and {b.DType.Name()}; they must match.");
    }

    private static T C<T>(double v) where T : IFloatingPointIeee754<T> => T.CreateTruncating(v);
}
