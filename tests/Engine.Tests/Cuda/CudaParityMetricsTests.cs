using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Metric kernels: float64 device accumulators against the CPU twins, with ties, NaNs,
/// out-of-range labels and sample weights.</summary>
public class CudaParityMetricsTests : CudaParityTestBase
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    private const int R = 203, C = 37;   // rows, classes

    /// <summary>Scores with a tied row, a row with NaNs, and an all-NaN row.</summary>
    private (Tensor Cpu, Tensor Gpu) Scores(int rows = R, int cols = C)
    {
        var v = Tensor.RandomNormal(new Shape(rows, cols), new Rng(17)).ToArray<float>();
        for (var j = 0; j < cols; j++) v[3 * cols + j] = 0.25f;                   // all tied: argmax 0
        v[4 * cols] = float.NaN;
        v[4 * cols + 5] = float.NaN;
        for (var j = 0; j < cols; j++) v[6 * cols + j] = float.NaN;               // all NaN: argmax 0
        v[8 * cols + 2] = v[8 * cols + 30] = 9f;                                   // tie for the max: the first wins
        return P.Values(v, rows, cols);
    }

    private (Tensor Cpu, Tensor Gpu) Labels(int rows = R, int cols = C)
    {
        var l = Enumerable.Range(0, rows).Select(r => r * 7 % cols).ToArray();
        l[3] = 0;
        l[8] = 2;
        l[10] = -1;                                                                // out of range: a miss
        l[11] = cols;
        return P.Of(Tensor.FromArray(l));
    }

    private (Tensor Cpu, Tensor Gpu) Acc(int size) => P.Of(Tensor.FromArray(Enumerable.Range(0, size).Select(i => 0.5 * i).ToArray()));

    private static void Same(string kernel, Tensor cpu, Tensor gpu) => Close(kernel, cpu, gpu, 1e-9, 1e-9);

    [Fact]
    public void ArgmaxRows()
    {
        var (x, idx) = (Scores(), P.Ints(R, 1));
        Cpu.ArgmaxRows(x.Cpu, idx.Cpu, R, C);
        P.Gpu.ArgmaxRows(x.Gpu, idx.Gpu, R, C);
        Assert.Equal(idx.Cpu.ToArray<int>(), idx.Gpu.ToArray<int>());
        Assert.Equal(2, idx.Gpu.ToArray<int>()[8]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CategoricalAndTopKAccuracy(bool weighted)
    {
        var (x, labels) = (Scores(), Labels());
        var w = weighted ? P.Uniform(0, 2, R) : ((Tensor, Tensor)?)null;
        var acc = Acc(2);
        Cpu.SparseCategoricalAccuracyUpdate(x.Cpu, labels.Cpu, w?.Item1, acc.Cpu, R, C);
        P.Gpu.SparseCategoricalAccuracyUpdate(x.Gpu, labels.Gpu, w?.Item2, acc.Gpu, R, C);
        Same("sparse_categorical_accuracy_update", acc.Cpu, acc.Gpu);
        foreach (var k in new[] { 1, 5 })
        {
            Cpu.SparseTopKAccuracyUpdate(x.Cpu, labels.Cpu, w?.Item1, acc.Cpu, R, C, k);
            P.Gpu.SparseTopKAccuracyUpdate(x.Gpu, labels.Gpu, w?.Item2, acc.Gpu, R, C, k);
            Same($"sparse_top_k_accuracy_update k={k}", acc.Cpu, acc.Gpu);
        }
    }

    [Fact]
    public void BinaryAccuracyAndMultiLabelConfusion()
    {
        var p = P.Uniform(0, 1, R, C);
        var t = P.Of(Tensor.FromHost(new Shape(R, C), DType.Float32, null, i => i % 3 == 0 ? 1 : 0));
        var w = P.Uniform(0, 2, R);
        var acc = Acc(2);
        Cpu.BinaryAccuracyUpdate(p.Cpu, t.Cpu, w.Cpu, acc.Cpu, R, C, 0.4);
        P.Gpu.BinaryAccuracyUpdate(p.Gpu, t.Gpu, w.Gpu, acc.Gpu, R, C, 0.4);
        Same("binary_accuracy_update", acc.Cpu, acc.Gpu);
        var counts = Acc(4 * C);
        Cpu.MultiLabelConfusionUpdate(p.Cpu, t.Cpu, null, counts.Cpu, R, C, 0.5);
        P.Gpu.MultiLabelConfusionUpdate(p.Gpu, t.Gpu, null, counts.Gpu, R, C, 0.5);
        Same("multi_label_confusion_update", counts.Cpu, counts.Gpu);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ClassCountsAndConfusionMatrix(bool weighted)
    {
        var (x, labels) = (Scores(), Labels());
        var w = weighted ? P.Uniform(0, 2, R) : ((Tensor, Tensor)?)null;
        var counts = Acc(3 * C);
        Cpu.SparseClassCountsUpdate(x.Cpu, labels.Cpu, w?.Item1, counts.Cpu, R, C);
        P.Gpu.SparseClassCountsUpdate(x.Gpu, labels.Gpu, w?.Item2, counts.Gpu, R, C);
        Same("sparse_class_counts_update", counts.Cpu, counts.Gpu);
        var matrix = Acc(C * C);
        Cpu.ConfusionMatrixUpdate(x.Cpu, labels.Cpu, w?.Item1, matrix.Cpu, R, C);
        P.Gpu.ConfusionMatrixUpdate(x.Gpu, labels.Gpu, w?.Item2, matrix.Gpu, R, C);
        Same("confusion_matrix_update", matrix.Cpu, matrix.Gpu);
    }

    [Fact]
    public void AucHistograms()
    {
        const int thresholds = 200;
        var pv = Tensor.RandomUniform(new Shape(R, C), new Rng(8), 0, 1).ToArray<float>();
        pv[0] = 0; pv[1] = 1; pv[2] = 0.5f; pv[3] = float.NaN; pv[4] = -0.25f; pv[5] = 1.5f; pv[6] = 1f / 199;   // on and beyond the thresholds
        var p = P.Values(pv, R, C);
        var t = P.Of(Tensor.FromHost(new Shape(R, C), DType.Float32, null, i => i % 4 == 0 ? 1 : 0));
        var w = P.Uniform(0, 2, R);
        var h = Acc(C * 2 * (thresholds + 1));
        Cpu.AucHistogramUpdate(p.Cpu, t.Cpu, w.Cpu, h.Cpu, R, C, thresholds);
        P.Gpu.AucHistogramUpdate(p.Gpu, t.Gpu, w.Gpu, h.Gpu, R, C, thresholds);
        Same("auc_histogram_update", h.Cpu, h.Gpu);
        var labels = Labels();
        var hs = Acc(C * 2 * (thresholds + 1));
        Cpu.SparseAucHistogramUpdate(p.Cpu, labels.Cpu, null, hs.Cpu, R, C, thresholds);
        P.Gpu.SparseAucHistogramUpdate(p.Gpu, labels.Gpu, null, hs.Gpu, R, C, thresholds);
        Same("sparse_auc_histogram_update", hs.Cpu, hs.Gpu);
    }
}
