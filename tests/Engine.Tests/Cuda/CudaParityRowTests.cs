using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Row kernels (one block per row): softmax, log-softmax and the losses.</summary>
public class CudaParityRowTests : CudaParityTestBase
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    public static TheoryData<int, int> RowShapes() => new()
    {
        { 7, 13 },        // short rows: one warp per block
        { 5, 1000 },      // long rows: the block loops over columns
        { 70001, 3 },     // more rows than blocks: blocks loop over rows
        { 1, 1 },
    };

    [Theory]
    [MemberData(nameof(RowShapes))]
    public void SoftmaxAndLogSoftmax(int rows, int cols)
    {
        rows = Rows(rows);
        var x = P.Of(Tensor.FromHost(new Shape(rows, cols), DType.Float32, null, i => 6 * Math.Sin(i * 0.37)));
        var (y, ly, dy, dx, ldx) = (P.Normal(rows, cols), P.Normal(rows, cols), P.Normal(rows, cols), P.Normal(rows, cols), P.Normal(rows, cols));
        Cpu.SoftmaxForward(x.Cpu, y.Cpu, rows, cols);
        P.Gpu.SoftmaxForward(x.Gpu, y.Gpu, rows, cols);
        Close("softmax_forward", y.Cpu, y.Gpu);
        Cpu.LogSoftmaxForward(x.Cpu, ly.Cpu, rows, cols);
        P.Gpu.LogSoftmaxForward(x.Gpu, ly.Gpu, rows, cols);
        Close("log_softmax_forward", ly.Cpu, ly.Gpu);
        Cpu.SoftmaxBackward(y.Cpu, dy.Cpu, dx.Cpu, rows, cols);
        P.Gpu.SoftmaxBackward(y.Gpu, dy.Gpu, dx.Gpu, rows, cols);
        Close("softmax_backward", dx.Cpu, dx.Gpu);
        Cpu.LogSoftmaxBackward(ly.Cpu, dy.Cpu, ldx.Cpu, rows, cols);
        P.Gpu.LogSoftmaxBackward(ly.Gpu, dy.Gpu, ldx.Gpu, rows, cols);
        Close("log_softmax_backward", ldx.Cpu, ldx.Gpu);
    }

    [Theory]
    [MemberData(nameof(RowShapes))]
    public void SoftmaxCrossEntropy(int rows, int cols)
    {
        rows = Rows(rows);
        var logits = P.Normal(rows, cols);
        // Soft targets whose rows do not sum to 1 (so Σ_k t is exercised).
        var target = P.Uniform(0, 1, rows, cols);
        var (probs, loss) = (P.Normal(rows, cols), P.Normal(rows));
        Cpu.SoftmaxCrossEntropyForward(logits.Cpu, target.Cpu, probs.Cpu, loss.Cpu, rows, cols);
        P.Gpu.SoftmaxCrossEntropyForward(logits.Gpu, target.Gpu, probs.Gpu, loss.Gpu, rows, cols);
        Close("softmax_cross_entropy_forward probs", probs.Cpu, probs.Gpu);
        Close("softmax_cross_entropy_forward loss", loss.Cpu, loss.Gpu);
        var (dloss, dlogits) = (P.Normal(rows), P.Normal(rows, cols));
        Cpu.SoftmaxCrossEntropyBackward(probs.Cpu, target.Cpu, dloss.Cpu, dlogits.Cpu, rows, cols);
        P.Gpu.SoftmaxCrossEntropyBackward(probs.Gpu, target.Gpu, dloss.Gpu, dlogits.Gpu, rows, cols);
        Close("softmax_cross_entropy_backward", dlogits.Cpu, dlogits.Gpu);
    }

    [Theory]
    [MemberData(nameof(RowShapes))]
    public void SparseSoftmaxCrossEntropy(int rows, int cols)
    {
        rows = Rows(rows);
        var logits = P.Normal(rows, cols);
        var labels = P.Ints(rows, cols);
        var (probs, loss) = (P.Normal(rows, cols), P.Normal(rows));
        Cpu.SparseSoftmaxCrossEntropyForward(logits.Cpu, labels.Cpu, probs.Cpu, loss.Cpu, rows, cols);
        P.Gpu.SparseSoftmaxCrossEntropyForward(logits.Gpu, labels.Gpu, probs.Gpu, loss.Gpu, rows, cols);
        Close("sparse_softmax_cross_entropy_forward probs", probs.Cpu, probs.Gpu);
        Close("sparse_softmax_cross_entropy_forward loss", loss.Cpu, loss.Gpu);
        var (dloss, dlogits) = (P.Normal(rows), P.Normal(rows, cols));
        Cpu.SparseSoftmaxCrossEntropyBackward(probs.Cpu, labels.Cpu, dloss.Cpu, dlogits.Cpu, rows, cols);
        P.Gpu.SparseSoftmaxCrossEntropyBackward(probs.Gpu, labels.Gpu, dloss.Gpu, dlogits.Gpu, rows, cols);
        Close("sparse_softmax_cross_entropy_backward", dlogits.Cpu, dlogits.Gpu);
    }

    [Fact]
    public void CrossEntropyFromProbabilities()
    {
        const int rows = 9, cols = 11;
        const double eps = 1e-7;
        var pv = Tensor.RandomUniform(new Shape(rows, cols), new Rng(3), 0.01, 0.99).ToArray<float>();
        pv[0] = 0; pv[1] = 1; pv[13] = 1e-9f;                          // clipped on both sides
        var (p, target) = (P.Values(pv, rows, cols), P.Uniform(0, 1, rows, cols));
        var loss = P.Normal(rows);
        Cpu.CrossEntropyFromProbsForward(p.Cpu, target.Cpu, loss.Cpu, rows, cols, eps);
        P.Gpu.CrossEntropyFromProbsForward(p.Gpu, target.Gpu, loss.Gpu, rows, cols, eps);
        Close("cross_entropy_from_probs_forward", loss.Cpu, loss.Gpu);
        var (dloss, dp) = (P.Normal(rows), P.Normal(rows, cols));
        Cpu.CrossEntropyFromProbsBackward(p.Cpu, target.Cpu, dloss.Cpu, dp.Cpu, rows, cols, eps);
        P.Gpu.CrossEntropyFromProbsBackward(p.Gpu, target.Gpu, dloss.Gpu, dp.Gpu, rows, cols, eps);
        Close("cross_entropy_from_probs_backward", dp.Cpu, dp.Gpu);
    }

    [Fact]
    public void BinaryCrossEntropy()
    {
        const int n = 2001;
        const double eps = 1e-7;
        var pv = Tensor.RandomUniform(new Shape(n), new Rng(4), 0.001, 0.999).ToArray<float>();
        pv[0] = 0; pv[1] = 1; pv[2] = 1e-9f;
        var (p, target) = (P.Values(pv, n), P.Of(Tensor.FromHost(new Shape(n), DType.Float32, null, i => i % 3 == 0 ? 1 : i % 3 == 1 ? 0 : 0.3)));
        var loss = P.Normal(n);
        Cpu.BinaryCrossEntropyForward(p.Cpu, target.Cpu, loss.Cpu, n, eps);
        P.Gpu.BinaryCrossEntropyForward(p.Gpu, target.Gpu, loss.Gpu, n, eps);
        Close("binary_cross_entropy_forward", loss.Cpu, loss.Gpu);
        var (dloss, dp) = (P.Normal(n), P.Normal(n));
        Cpu.BinaryCrossEntropyBackward(p.Cpu, target.Cpu, dloss.Cpu, dp.Cpu, n, eps);
        P.Gpu.BinaryCrossEntropyBackward(p.Gpu, target.Gpu, dloss.Gpu, dp.Gpu, n, eps);
        Close("binary_cross_entropy_backward", dp.Cpu, dp.Gpu);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SigmoidBceWithLogits(bool withPosWeight)
    {
        const int rows = 13, labels = 97, n = rows * labels;
        var logits = P.Of(Tensor.FromHost(new Shape(rows, labels), DType.Float32, null, i => i % 11 == 0 ? (i % 2 == 0 ? 60 : -60) : 5 * Math.Sin(i)));
        var target = P.Of(Tensor.FromHost(new Shape(rows, labels), DType.Float32, null, i => i % 5 == 0 ? 1 : i % 7 == 0 ? 0.25 : 0));
        var pw = withPosWeight ? P.Uniform(0.5, 20, labels) : ((Tensor, Tensor)?)null;
        var loss = P.Normal(rows, labels);
        Cpu.SigmoidBceWithLogitsForward(logits.Cpu, target.Cpu, pw?.Item1, loss.Cpu, n, labels);
        P.Gpu.SigmoidBceWithLogitsForward(logits.Gpu, target.Gpu, pw?.Item2, loss.Gpu, n, labels);
        Close("sigmoid_bce_with_logits_forward", loss.Cpu, loss.Gpu);
        var (dloss, dx) = (P.Normal(rows, labels), P.Normal(rows, labels));
        Cpu.SigmoidBceWithLogitsBackward(logits.Cpu, target.Cpu, pw?.Item1, dloss.Cpu, dx.Cpu, n, labels);
        P.Gpu.SigmoidBceWithLogitsBackward(logits.Gpu, target.Gpu, pw?.Item2, dloss.Gpu, dx.Gpu, n, labels);
        Close("sigmoid_bce_with_logits_backward", dx.Cpu, dx.Gpu);
    }
}
