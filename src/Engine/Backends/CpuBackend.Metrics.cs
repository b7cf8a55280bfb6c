using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void ArgmaxAccuracyCount(Tensor scores, Tensor labels, Tensor count, int rows, int cols)
    {
        if (IsF32(scores, "argmax_accuracy_count")) ArgmaxAccuracy<float>(scores, labels, count, rows, cols);
        else ArgmaxAccuracy<double>(scores, labels, count, rows, cols);
    }

    private static void ArgmaxAccuracy<T>(Tensor scores, Tensor labels, Tensor count, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = scores.Span<T>();
        var l = labels.Span<int>();
        var hits = 0;
        for (var r = 0; r < rows; r++)
        {
            var best = 0;
            for (var j = 1; j < cols; j++)
                if (s[r * cols + j] > s[r * cols + best]) best = j;
            if (cols > 0 && best == l[r]) hits++;
        }
        count.Span<T>()[0] += T.CreateTruncating(hits);
    }
}
