using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void SumAxisForward(Tensor x, Tensor y, int outer, int axis, int inner, double scale) =>
        FloatDispatch.Run(x, new AxisSum(x, y, outer, axis, inner, scale, Backward: false));

    public void SumAxisBackward(Tensor dy, Tensor dx, int outer, int axis, int inner, double scale) =>
        FloatDispatch.Run(dy, new AxisSum(dy, dx, outer, axis, inner, scale, Backward: true));

    /// <summary>Forward: x → y; backward: dy → dx.</summary>
    private readonly record struct AxisSum(Tensor From, Tensor To, int Outer, int Axis, int Inner, double Scale, bool Backward) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (Backward) SumAxisGrad<T>(From, To, Outer, Axis, Inner, Scale);
            else SumAxis<T>(From, To, Outer, Axis, Inner, Scale);
        }
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
