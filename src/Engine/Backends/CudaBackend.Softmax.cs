using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void SoftmaxForward(Tensor x, Tensor y, int rows, int cols)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(x, size, k), F32(y, size, k), rows, cols);
    }

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(y, size, k), F32(dy, size, k), F32(dx, size, k), rows, cols);
    }

    public void LogSoftmaxForward(Tensor x, Tensor y, int rows, int cols)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(x, size, k), F32(y, size, k), rows, cols);
    }

    public void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(y, size, k), F32(dy, size, k), F32(dx, size, k), rows, cols);
    }
}
