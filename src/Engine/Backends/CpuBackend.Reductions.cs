using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void SumAxisForward(Tensor x, Tensor y, int outer, int axis, int inner, double scale)
    {
        if (IsF32(x, "sum_axis_forward")) SumAxis<float>(x, y, outer, axis, inner, scale);
        else SumAxis<double>(x, y, outer, axis, inner, scale);
    }

    private static void SumAxis<T>(Tensor x, Tensor y, int outer, int axis, int inner, double scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var px = x.Span<T>();
        var py = y.Span<T>();
        var s = C<T>(scale);
        for (var o = 0; o < outer; o++)
            for (var i = 0; i < inner; i++)
            {
                var sum = T.Zero;
                for (var a = 0; a < axis; a++) sum += px[(o * axis + a) * inner + i];
                py[o * inner + i] = sum * s;
            }
    }

    public void SumAxisBackward(Tensor dy, Tensor dx, int outer, int axis, int inner, double scale)
    {
        if (IsF32(dy, "sum_axis_backward")) SumAxisGrad<float>(dy, dx, outer, axis, inner, scale);
        else SumAxisGrad<double>(dy, dx, outer, axis, inner, scale);
    }

    private static void SumAxisGrad<T>(Tensor dy, Tensor dx, int outer, int axis, int inner, double scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = dy.Span<T>();
        var d = dx.Span<T>();
        var s = C<T>(scale);
        for (var o = 0; o < outer; o++)
            for (var a = 0; a < axis; a++)
                for (var i = 0; i < inner; i++)
                    d[(o * axis + a) * inner + i] += g[o * inner + i] * s;
    }
}
