using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void SoftmaxForward(Tensor x, Tensor y, int rows, int cols) => FloatDispatch.Run(x, new SoftmaxRows(x, y, rows, cols, Log: false));

    public void LogSoftmaxForward(Tensor x, Tensor y, int rows, int cols) => FloatDispatch.Run(x, new SoftmaxRows(x, y, rows, cols, Log: true));

    private readonly record struct SoftmaxRows(Tensor X, Tensor Y, int Rows, int Cols, bool Log) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => Softmax(X.Span<T>(), Y.Span<T>(), Rows, Cols, Log);
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

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols) => FloatDispatch.Run(y, new SoftmaxRowsGrad(y, dy, dx, rows, cols, Log: false));

    public void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols) => FloatDispatch.Run(y, new SoftmaxRowsGrad(y, dy, dx, rows, cols, Log: true));

    private readonly record struct SoftmaxRowsGrad(Tensor Y, Tensor Dy, Tensor Dx, int Rows, int Cols, bool Log) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => SoftmaxGrad<T>(Y, Dy, Dx, Rows, Cols, Log);
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
