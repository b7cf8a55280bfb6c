using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void SoftmaxCrossEntropyForward(Tensor logits, Tensor target, Tensor probs, Tensor loss, int rows, int cols)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(logits, size, k), F32(target, size, k), F32(probs, size, k), F32(loss, rows, k), rows, cols);
    }

    public void SoftmaxCrossEntropyBackward(Tensor probs, Tensor target, Tensor dloss, Tensor dlogits, int rows, int cols)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(probs, size, k), F32(target, size, k), F32(dloss, rows, k), F32(dlogits, size, k), rows, cols);
    }

    public void SparseSoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probs, Tensor loss, int rows, int cols)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(logits, size, k), I32(labels, rows, k), F32(probs, size, k), F32(loss, rows, k), rows, cols);
    }

    public void SparseSoftmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dloss, Tensor dlogits, int rows, int cols)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, Grid1D(size), F32(probs, size, k), I32(labels, rows, k), F32(dloss, rows, k), F32(dlogits, size, k), rows, cols);
    }

    public void CrossEntropyFromProbsForward(Tensor p, Tensor target, Tensor loss, int rows, int cols, double eps)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, BlockPerRow(rows, cols), F32(p, size, k), F32(target, size, k), F32(loss, rows, k), rows, cols, eps);
    }

    public void CrossEntropyFromProbsBackward(Tensor p, Tensor target, Tensor dloss, Tensor dp, int rows, int cols, double eps)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, Grid1D(size), F32(p, size, k), F32(target, size, k), F32(dloss, rows, k), F32(dp, size, k), rows, cols, eps);
    }

    public void SigmoidBceWithLogitsForward(Tensor logits, Tensor target, Tensor? posWeight, Tensor loss, int n, int labels)
    {
        var k = KernelNames.Of();
        CheckLabels(k, posWeight, labels);
        Launch(k, Grid1D(n), F32(logits, n, k), F32(target, n, k), F32(posWeight, labels, k, optional: true), F32(loss, n, k), n, labels);
    }

    public void SigmoidBceWithLogitsBackward(Tensor logits, Tensor target, Tensor? posWeight, Tensor dloss, Tensor dlogits, int n, int labels)
    {
        var k = KernelNames.Of();
        CheckLabels(k, posWeight, labels);
        Launch(k, Grid1D(n), F32(logits, n, k), F32(target, n, k), F32(posWeight, labels, k, optional: true), F32(dloss, n, k), F32(dlogits, n, k), n, labels);
    }

    /// <summary>The kernel takes i % labels; a zero would be a division by zero on the GPU.</summary>
    private static void CheckLabels(string kernel, Tensor? posWeight, int labels)
    {
        if (posWeight is not null && labels <= 0)
            throw new ArgumentOutOfRangeException(nameof(labels), labels, $"{kernel}: a positive weight per label needs labels > 0.");
    }
}
