using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void ArgmaxAccuracyCount(Tensor scores, Tensor labels, Tensor count, int rows, int cols)
    {
        const string k = "argmax_accuracy_count";
        Launch(k, WarpPerRow(rows), F32(scores, (long)rows * cols, k), I32(labels, rows, k), F32(count, 1, k), rows, cols);
    }
}
