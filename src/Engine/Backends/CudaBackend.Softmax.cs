using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void SoftmaxForward(Tensor x, Tensor y, int rows, int cols) => LaunchPerRow(KernelNames.Of(), rows, cols, x, y);

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols) => LaunchPerRow(KernelNames.Of(), rows, cols, y, dy, dx);

    public void LogSoftmaxForward(Tensor x, Tensor y, int rows, int cols) => LaunchPerRow(KernelNames.Of(), rows, cols, x, y);

    public void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols) => LaunchPerRow(KernelNames.Of(), rows, cols, y, dy, dx);

    /// <summary>The softmax family's launch: one block per row of float32 [rows, cols] tensors, the
    /// kernel taking (a, b, rows, cols).</summary>
    private void LaunchPerRow(string k, int rows, int cols, Tensor a, Tensor b)
    {
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(a, size, k), F32(b, size, k), rows, cols);
    }

    /// <summary>As above for the backward kernels, which take (a, b, c, rows, cols).</summary>
    private void LaunchPerRow(string k, int rows, int cols, Tensor a, Tensor b, Tensor c)
    {
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(a, size, k), F32(b, size, k), F32(c, size, k), rows, cols);
    }
}
