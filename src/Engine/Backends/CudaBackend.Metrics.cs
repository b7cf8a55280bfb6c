using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Metric kernels: weighted counts accumulate into float64 buffers on the GPU (double
/// atomics), read once per Result. Predictions and weights are float32.</summary>
public sealed partial class CudaBackend
{
    public void ArgmaxRows(Tensor x, Tensor indices, int rows, int cols)
    {
        var k = KernelNames.Of();
        Launch(k, WarpPerRow(rows), F32(x, (long)rows * cols, k), I32(indices, rows, k), rows, cols);
    }

    public void SparseCategoricalAccuracyUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols)
    {
        var k = KernelNames.Of();
        Launch(k, WarpPerRow(rows), F32(yPred, (long)rows * cols, k), I32(labels, rows, k), F32(weight, rows, k, optional: true),
            F64(acc, 2, k), rows, cols);
    }

    public void SparseTopKAccuracyUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols, int k)
    {
        var kernel = KernelNames.Of();
        Launch(kernel, WarpPerRow(rows), F32(yPred, (long)rows * cols, kernel), I32(labels, rows, kernel), F32(weight, rows, kernel, optional: true),
            F64(acc, 2, kernel), rows, cols, k);
    }

    public void BinaryAccuracyUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor acc, int rows, int labels, double threshold)
    {
        var k = KernelNames.Of();
        var size = (long)rows * labels;
        Launch(k, WarpPerRow(rows), F32(yPred, size, k), F32(yTrue, size, k), F32(weight, rows, k, optional: true), F64(acc, 2, k),
            rows, labels, threshold);
    }

    public void MultiLabelConfusionUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor counts, int rows, int labels, double threshold)
    {
        var k = KernelNames.Of();
        var size = (long)rows * labels;
        Launch(k, Grid1D(size), F32(yPred, size, k), F32(yTrue, size, k), F32(weight, rows, k, optional: true), F64(counts, 4L * labels, k),
            rows, labels, threshold);
    }

    public void SparseClassCountsUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor counts, int rows, int cols)
    {
        var k = KernelNames.Of();
        Launch(k, WarpPerRow(rows), F32(yPred, (long)rows * cols, k), I32(labels, rows, k), F32(weight, rows, k, optional: true),
            F64(counts, 3L * cols, k), rows, cols);
    }

    public void ConfusionMatrixUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor matrix, int rows, int cols)
    {
        var k = KernelNames.Of();
        Launch(k, WarpPerRow(rows), F32(yPred, (long)rows * cols, k), I32(labels, rows, k), F32(weight, rows, k, optional: true),
            F64(matrix, (long)cols * cols, k), rows, cols);
    }

    public void AucHistogramUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor histogram, int rows, int labels, int numThresholds)
    {
        var k = KernelNames.Of();
        var size = (long)rows * labels;
        Launch(k, Grid1D(size), F32(yPred, size, k), F32(yTrue, size, k), F32(weight, rows, k, optional: true),
            F64(histogram, (long)labels * 2 * (numThresholds + 1), k), rows, labels, numThresholds);
    }

    public void SparseAucHistogramUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor histogram, int rows, int cols, int numThresholds)
    {
        var k = KernelNames.Of();
        var size = (long)rows * cols;
        Launch(k, Grid1D(size), F32(yPred, size, k), I32(labels, rows, k), F32(weight, rows, k, optional: true),
            F64(histogram, (long)cols * 2 * (numThresholds + 1), k), rows, cols, numThresholds);
    }
}
