using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>count[0] += the number of rows r of scores [rows, cols] whose argmax (the first
    /// maximum, as numpy's) equals labels[r] (int32). Counting on the device lets accuracy be read
    /// once per epoch instead of synchronising every step.</summary>
    void ArgmaxAccuracyCount(Tensor scores, Tensor labels, Tensor count, int rows, int cols);
}
