using Engine.Autograd;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>Loss values and gradients against numbers worked out by hand (the arithmetic is in the
/// comments), in float32 and float64. The pos_weight numbers are what PyTorch's
/// BCEWithLogitsLoss(pos_weight=..., reduction='none') gives: pw·t·softplus(-x) + (1-t)·softplus(x).</summary>
public class LossValueTests
{
    public static TheoryData<DType> FloatTypes => [DType.Float32, DType.Float64];

    private static Tensor Make(DType dtype, double[] values, params int[] shape) => Tensor.FromArray(values, shape).To(dtype);

    private static Tensor Param(DType dtype, double[] values, params int[] shape)
    {
        var t = Make(dtype, values, shape);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>float32 keeps ~7 digits; the hand values are given to 10.</summary>
    private static double Tol(DType dtype) => dtype == DType.Float32 ? 2e-6 : 1e-9;

    // logits [1, 2, 3]: Σ exp = e + e² + e³ = 30.19287485; log Σ exp = 3.40760596444438
    // log_softmax = [-2.40760596444438, -1.40760596444438, -0.40760596444438]
    // softmax     = [0.0900305732, 0.2447284711, 0.6652409558]
    private static readonly double[] Probs123 = [0.09003057317038048, 0.2447284710547977, 0.665240955774822];

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void SoftmaxOfOneTwoThree(DType dtype)
    {
        var p = Ops.Softmax(Make(dtype, [1, 2, 3], 1, 3)).ToDoubleArray();
        TestData.AssertClose([0.0900306, 0.2447285, 0.6652410], p, atol: 1e-7, rtol: 0, what: "softmax([1, 2, 3])");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void SoftmaxCrossEntropyOfOneTwoThree(DType dtype)
    {
        // Row 0 is class 2: -log 0.6652409558 = 0.40760596444438; row 1 is class 0: 2.40760596444438.
        var x = Param(dtype, [1, 2, 3, 1, 2, 3], 2, 3);
        var t = Make(dtype, [0, 0, 1, 1, 0, 0], 2, 3);
        var loss = Ops.SoftmaxCrossEntropy(x, t);
        Assert.Equal(new Shape(2), loss.Shape);
        TestData.AssertClose([0.40760596444438, 2.40760596444438], loss.ToDoubleArray(), Tol(dtype), Tol(dtype), "CE");

        // d loss / d logits = softmax - onehot.
        Ops.Sum(loss).Backward();
        var p = Probs123;
        TestData.AssertClose([p[0], p[1], p[2] - 1, p[0] - 1, p[1], p[2]], x.Grad!.ToDoubleArray(), Tol(dtype), Tol(dtype), "dCE/dx");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void SoftmaxCrossEntropyWithLabelSmoothing(DType dtype)
    {
        // ls = 0.1, C = 3: t' = [0, 0, 1]·0.9 + 0.1/3 = [1/30, 1/30, 28/30]
        // loss = (1/30)(2.40760596444438 + 1.40760596444438) + (28/30)(0.40760596444438) = 0.50760596444438
        var x = Param(dtype, [1, 2, 3], 1, 3);
        var loss = Ops.SoftmaxCrossEntropy(x, Make(dtype, [0, 0, 1], 1, 3), labelSmoothing: 0.1);
        TestData.AssertClose([0.50760596444438], loss.ToDoubleArray(), Tol(dtype), Tol(dtype), "CE with ls 0.1");
        Ops.Sum(loss).Backward();
        var p = Probs123;
        TestData.AssertClose([p[0] - 1 / 30.0, p[1] - 1 / 30.0, p[2] - 28 / 30.0], x.Grad!.ToDoubleArray(), Tol(dtype), Tol(dtype), "gradient = softmax - t'");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void SparseSoftmaxCrossEntropyOfOneTwoThree(DType dtype)
    {
        var x = Param(dtype, [1, 2, 3, 1, 2, 3, 1, 2, 3], 3, 3);
        var loss = Ops.SparseSoftmaxCrossEntropy(x, Tensor.FromArray([2, 0, 1]));
        TestData.AssertClose([0.40760596444438, 2.40760596444438, 1.40760596444438], loss.ToDoubleArray(), Tol(dtype), Tol(dtype), "sparse CE");
        Ops.Sum(loss).Backward();
        var p = Probs123;
        TestData.AssertClose([p[0], p[1], p[2] - 1, p[0] - 1, p[1], p[2], p[0], p[1] - 1, p[2]], x.Grad!.ToDoubleArray(), Tol(dtype), Tol(dtype), "sparse dCE/dx");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void CategoricalCrossEntropyFromProbabilities(DType dtype)
    {
        // -log 0.6652409558 = 0.40760596; a clipped zero costs -log(1e-7) = 16.11809565 and passes no gradient.
        var p = Param(dtype, [.. Probs123, 0.5, 0.5, 0], 2, 3);
        var loss = Ops.CategoricalCrossEntropy(p, Make(dtype, [0, 0, 1, 0, 0, 1], 2, 3));
        TestData.AssertClose([0.40760596444438, 16.11809565095832], loss.ToDoubleArray(), 1e-5, Tol(dtype), "CE from probs");
        Ops.Sum(loss).Backward();
        // d/dp (-t·log p) = -t/p; the clipped p = 0 gets 0.
        TestData.AssertClose([0, 0, -1 / Probs123[2], 0, 0, 0], p.Grad!.ToDoubleArray(), 1e-5, Tol(dtype), "dCE/dp");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void BinaryCrossEntropyFromProbabilities(DType dtype)
    {
        // p = 0.8: t = 1 → -log 0.8 = 0.22314355131; t = 0 → -log 0.2 = 1.60943791243; mean 0.91629073187.
        // p = 1 with t = 0 is clipped to 1 - 1e-7: -log(1e-7) = 16.11809565 (finite); p = 0.5, t = 0.5 → log 2.
        // In float32, 1 - 1e-7 rounds to 1 - 2^-23, so the clipped loss is -log(2^-23) = 15.94238 (as in Keras).
        var clipped = dtype == DType.Float32 ? -Math.Log(1 - (double)(float)(1 - 1e-7)) : 16.11809565095832;
        var p = Param(dtype, [0.8, 0.8, 1, 0.5], 2, 2);
        var t = Make(dtype, [1, 0, 0, 0.5], 2, 2);
        TestData.AssertClose([0.2231435513142097, 1.6094379124341003, clipped, 0.6931471805599453],
            Ops.BinaryCrossEntropyElementwise(p, t).ToDoubleArray(), 1e-4, dtype == DType.Float32 ? 1e-5 : 1e-9, "BCE elementwise");
        var mean = Ops.BinaryCrossEntropy(p, t);
        Assert.Equal(new Shape(2), mean.Shape);
        TestData.AssertClose([0.916290731874155, (clipped + 0.6931471805599453) / 2], mean.ToDoubleArray(), 1e-4, dtype == DType.Float32 ? 1e-5 : 1e-9, "BCE mean over labels");

        Ops.Sum(mean).Backward();
        // d/dp = (p - t)/(p(1 - p)) / L: (0.8 - 1)/0.16/2 = -0.625, 0.8/0.16/2 = 2.5; the clipped p = 1 gets 0; p = t = 0.5 gets 0.
        TestData.AssertClose([-0.625, 2.5, 0, 0], p.Grad!.ToDoubleArray(), 1e-5, 1e-5, "dBCE/dp");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void SigmoidBceWithPosWeightKnownNumbers(DType dtype)
    {
        // softplus(z) = log(1 + e^z). Per label j with pos_weight pw = [3, 2]:
        //   x = 0.5,  t = 1,    pw 3: 3·log(1 + e^-0.5)                    = 3·0.47407698418 = 1.42223095254
        //   x = -1,   t = 1,    pw 2: 2·log(1 + e^1)                       = 2·1.31326168752 = 2.62652337504
        //   x = 2,    t = 0.25, pw 3: 0.75·2 + (1 + 2·0.25)·log(1 + e^-2) = 1.5 + 1.5·0.12692801104 = 1.69039201656
        //   x = 0,    t = 0,    pw 2: log 2                                = 0.69314718056
        var x = Param(dtype, [0.5, -1, 2, 0], 2, 2);
        var t = Make(dtype, [1, 1, 0.25, 0], 2, 2);
        var pw = Make(dtype, [3, 2], 2);
        var elementwise = Ops.SigmoidBceWithLogitsElementwise(x, t, pw);
        TestData.AssertClose([1.42223095254032, 2.6265233750364456, 1.6903920165644588, 0.6931471805599453], elementwise.ToDoubleArray(), Tol(dtype), Tol(dtype), "BCE with logits, pos_weight");
        var perSample = Ops.SigmoidBceWithLogits(x, t, pw);
        TestData.AssertClose([(1.42223095254032 + 2.6265233750364456) / 2, (1.6903920165644588 + 0.6931471805599453) / 2], perSample.ToDoubleArray(), Tol(dtype), Tol(dtype), "mean over labels");

        Ops.Sum(elementwise).Backward();
        // d/dx = (1 - t) - (1 + (pw - 1)·t)·sigmoid(-x):
        //   -3·sigmoid(-0.5) = -3·0.37754066880 = -1.13262200639;  -2·sigmoid(1) = -2·0.73105857863 = -1.46211715726
        //   0.75 - 1.5·sigmoid(-2) = 0.75 - 1.5·0.11920292202 = 0.57119561697;  1 - sigmoid(0) = 0.5
        TestData.AssertClose([-1.132622006394436, -1.4621171572600098, 0.5711956169668237, 0.5], x.Grad!.ToDoubleArray(), Tol(dtype), Tol(dtype), "dBCE/dx");
    }

    [Fact]
    public void SigmoidBceWithoutPosWeightIsPosWeightOne()
    {
        var x = Make(DType.Float64, [0.5, -1, 2, 0, -3, 4], 2, 3);
        var t = Make(DType.Float64, [1, 0, 0.25, 1, 0, 0.5], 2, 3);
        TestData.AssertClose(Ops.SigmoidBceWithLogits(x, t, Make(DType.Float64, [1, 1, 1], 3)).ToDoubleArray(),
            Ops.SigmoidBceWithLogits(x, t).ToDoubleArray(), 1e-15, 0, "null pos_weight vs ones");
        // x = 0.5, t = 1, no weight: log(1 + e^-0.5) = 0.47407698418
        Assert.Equal(0.4740769841801067, Ops.SigmoidBceWithLogitsElementwise(x, t).ToDoubleArray()[0], 12);
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void WeightedMeanIsSumOverBatchSize(DType dtype)
    {
        // losses [1, 2, 3], w [1, 0, 2]: (1·1 + 0·2 + 2·3) / 3 = 7/3; d/dl = w / 3.
        var l = Param(dtype, [1, 2, 3], 3);
        var m = Ops.WeightedMean(l, Make(dtype, [1, 0, 2], 3));
        Assert.Equal(0, m.Rank);
        Assert.Equal(7 / 3.0, m.Item(), 1e-6);
        m.Backward();
        TestData.AssertClose([1 / 3.0, 0, 2 / 3.0], l.Grad!.ToDoubleArray(), 1e-7, 1e-7, "d mean/d losses");

        // Without weights: the plain mean 2; (N, L) losses: each weight covers its row, divided by N·L.
        Assert.Equal(2, Ops.WeightedMean(Make(dtype, [1, 2, 3], 3)).Item(), 1e-6);
        // [[1, 2], [3, 4]] with w [2, 0.5]: (2·3 + 0.5·7) / 4 = 2.375
        Assert.Equal(2.375, Ops.WeightedMean(Make(dtype, [1, 2, 3, 4], 2, 2), Make(dtype, [2, 0.5], 2)).Item(), 1e-6);
    }

    [Fact]
    public void WeightedMeanCastsWeightsToTheLossDtype() =>
        Assert.Equal(7 / 3.0, Ops.WeightedMean(Make(DType.Float64, [1, 2, 3], 3), Make(DType.Float32, [1, 0, 2], 3)).Item(), 12);

    [Fact]
    public void IntegerTargetsAreCastLikeKeras()
    {
        // Keras casts y_true to y_pred's dtype; an int32 0/1 target gives the same loss as a float one.
        var x = Make(DType.Float32, [0.5, -1, 2, 0], 2, 2);
        TestData.AssertClose(Ops.SigmoidBceWithLogits(x, Make(DType.Float32, [1, 0, 0, 1], 2, 2)).ToDoubleArray(),
            Ops.SigmoidBceWithLogits(x, Tensor.FromArray([1, 0, 0, 1], 2, 2)).ToDoubleArray(), 0, 0, "int32 vs float32 targets");
    }

    [Fact]
    public void BackwardKernelsAccumulate()
    {
        // Each backward adds into its gradient buffer: starting from 1 gives 1 + gradient.
        var cpu = CpuBackend.Instance;
        var t = Make(DType.Float64, [0, 0, 1], 1, 3);
        var labels = Tensor.FromArray([2]);
        var dloss1 = Make(DType.Float64, [1], 1);
        var dloss3 = Make(DType.Float64, [1, 1, 1], 3);
        var probs = Make(DType.Float64, Probs123, 1, 3);
        var expectedCe = new[] { 1 + Probs123[0], 1 + Probs123[1], Probs123[2] };

        var d = Tensor.Ones(new Shape(1, 3), DType.Float64);
        cpu.SoftmaxCrossEntropyBackward(probs, t, dloss1, d, 1, 3);
        TestData.AssertClose(expectedCe, d.ToDoubleArray(), 1e-12, 0, "softmax_cross_entropy_backward");

        d = Tensor.Ones(new Shape(1, 3), DType.Float64);
        cpu.SparseSoftmaxCrossEntropyBackward(probs, labels, dloss1, d, 1, 3);
        TestData.AssertClose(expectedCe, d.ToDoubleArray(), 1e-12, 0, "sparse_softmax_cross_entropy_backward");

        var p = Make(DType.Float64, [0.5, 0.25, 0.8], 1, 3);
        d = Tensor.Ones(new Shape(1, 3), DType.Float64);
        cpu.CrossEntropyFromProbsBackward(p, t, dloss1, d, 1, 3, 1e-7);
        TestData.AssertClose([1, 1, 1 - 1 / 0.8], d.ToDoubleArray(), 1e-12, 0, "cross_entropy_from_probs_backward");

        d = Tensor.Ones(new Shape(1, 3), DType.Float64);
        cpu.BinaryCrossEntropyBackward(p, t, dloss3, d, 3, 1e-7);
        // (p - t)/(p(1 - p)): 0.5/0.25 = 2, 0.25/0.1875 = 4/3, -0.2/0.16 = -1.25
        TestData.AssertClose([3, 1 + 4 / 3.0, -0.25], d.ToDoubleArray(), 1e-12, 0, "binary_cross_entropy_backward");

        d = Tensor.Ones(new Shape(1, 3), DType.Float64);
        cpu.SigmoidBceWithLogitsBackward(Make(DType.Float64, [0, 0, 0], 1, 3), t, null, dloss3, d, 3, 3);
        // At x = 0: (1 - t) - sigmoid(0)·1 = 0.5, 0.5, -0.5
        TestData.AssertClose([1.5, 1.5, 0.5], d.ToDoubleArray(), 1e-12, 0, "sigmoid_bce_with_logits_backward");
    }

    [Fact]
    public void CpuTwinRejectsOutOfRangeLabel()
    {
        var cpu = CpuBackend.Instance;
        var x = Make(DType.Float32, new double[6], 2, 3);
        var probs = Tensor.EmptyLike(x);
        var loss = Tensor.Empty(new Shape(2), DType.Float32);
        var ex = Assert.Throws<ArgumentException>(() => cpu.SparseSoftmaxCrossEntropyForward(x, Tensor.FromArray([0, 3]), probs, loss, 2, 3));
        Assert.Contains("label 3 at index 1 is out of range for 3 classes", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => cpu.SparseSoftmaxCrossEntropyBackward(probs, Tensor.FromArray([-1, 0]), loss, Tensor.ZerosLike(x), 2, 3));
        Assert.Contains("label -1 at index 0 is out of range for 3 classes", ex.Message);
    }
}
