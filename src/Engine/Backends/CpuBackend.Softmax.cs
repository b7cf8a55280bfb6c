using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void SoftmaxForward(Tensor x, Tensor y, int rows, int cols)
    {
        if (IsF32(x, "softmax_forward")) Softmax<float>(x.Span<float>(), y.Span<float>(), rows, cols, log: false);
        else Softmax<double>(x.Span<double>(), y.Span<double>(), rows, cols, log: false);
    }

    public void LogSoftmaxForward(Tensor x, Tensor y, int rows, int cols)
    {
        if (IsF32(x, "log_softmax_forward")) Softmax<float>(x.Span<float>(), y.Span<float>(), rows, cols, log: true);
        else Softmax<double>(x.Span<double>(), y.Span<double>(), rows, cols, log: true);
    }

    /// <summary>Max-subtracted (log-)softmax of each row; shared with the fused cross-entropy kernels.</summary>
    internal static void Softmax<T>(ReadOnlySpan<T> x, Span<T> y, int rows, int cols, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * cols, cols);
            var yr = y.Slice(r * cols, cols);
            var max = T.NegativeInfinity;
            foreach (var v in xr) max = T.Max(max, v);
            var sum = T.Zero;
            for (var j = 0; j < cols; j++) sum += T.Exp(xr[j] - max);
            var logSum = T.Log(sum);
            for (var j = 0; j < cols; j++)
                yr[j] = log ? xr[j] - max - logSum : T.Exp(xr[j] - max) / sum;
        }
    }

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols)
    {
        if (IsF32(y, "softmax_backward")) SoftmaxGrad<float>(y, dy, dx, rows, cols, log: false);
        else SoftmaxGrad<double>(y, dy, dx, rows, cols, log: false);
    }

    public void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols)
    {
        if (IsF32(y, "log_softmax_backward")) SoftmaxGrad<float>(y, dy, dx, rows, cols, log: true);
        else SoftmaxGrad<double>(y, dy, dx, rows, cols, log: true);
    }

    private static void SoftmaxGrad<T>(Tensor yt, Tensor dyt, Tensor dxt, int rows, int cols, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = yt.Span<T>();
        var dy = dyt.Span<T>();
        var dx = dxt.Span<T>();
        for (var r = 0; r < rows; r++)
        {
            var o = r * cols;
            var dot = T.Zero;
            for (var j = 0; j < cols; j++) dot += log ? dy[o + j] : dy[o + j] * y[o + j];
            for (var j = 0; j < cols; j++)
                dx[o + j] += log ? dy[o + j] - T.Exp(y[o + j]) * dot : y[o + j] * (dy[o + j] - dot);
        }
    }
}
