using Engine.Backends;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Every CudaBackend method, run against a stand-in GPU: each launches the kernel of its
/// name with arguments that match the kernel's PTX parameters, inside the launch limits, on live
/// buffers. The kernels' arithmetic is covered by the GPU parity tests; this catches the plumbing
/// without a GPU.</summary>
public class CudaBackendLaunchTests
{
    private readonly CheckingQueue _queue = new();
    private readonly CudaBackend _gpu;
    private readonly Rng _rng = new(11);

    public CudaBackendLaunchTests() => _gpu = new CudaBackend(_queue);

    private Tensor F(params int[] shape) => CudaTestSupport.ToBackend(Tensor.RandomNormal(new Shape(shape), _rng), _gpu);

    private Tensor D(int size) => new(_gpu.Allocate(DType.Float64, size), new Shape(size));

    private Tensor I(int size, int max) =>
        CudaTestSupport.ToBackend(Tensor.FromArray(Enumerable.Range(0, size).Select(i => i * 7 % max).ToArray()), _gpu);

    private void Expect(string kernel, Action<CudaBackend> call)
    {
        CudaTestSupport.RequireNvrtc();
        _queue.Launches.Clear();
        call(_gpu);
        var launch = Assert.Single(_queue.Launches);
        Assert.Equal(kernel, launch.Kernel);
    }

    // Shapes: batch 3, 5 channels, 7x9 images, 3x3 kernels, stride 2, padding 1 → 4x5 outputs.
    private const int N = 3, C = 5, H = 7, W = 9, K = 3, S = 2, P = 1, OH = 4, OW = 5;

    private static readonly Conv2DGeometry Conv = Conv2DGeometry.Create(new Shape(N, C, H, W), (K, K), (S, S), 1);

    private static readonly Conv2DGeometry Depthwise = Conv with { F = 2 * C, Groups = C };

    private static readonly Pool2DGeometry Pool = new() { N = N, C = C, H = H, W = W, KH = K, KW = K, SH = S, SW = S, PH = P, PW = P, OH = OH, OW = OW };

    public static TheoryData<string> Kernels() =>
    [
        "relu_forward", "relu_backward", "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
        "softmax_forward", "softmax_backward", "log_softmax_forward", "log_softmax_backward",
        "add_forward", "sub_forward", "mul_forward", "mul_backward", "div_forward", "div_backward", "axpy", "affine_forward",
        "bias_add_forward", "bias_add_backward", "exp_forward", "exp_backward", "add_backward", "sub_backward", "log_forward", "log_backward", "transpose01",
        "im2col", "col2im", "max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward", "avg_pool2d_backward",
        "softmax_cross_entropy_forward", "softmax_cross_entropy_backward", "sparse_softmax_cross_entropy_forward",
        "sparse_softmax_cross_entropy_backward", "cross_entropy_from_probs_forward", "cross_entropy_from_probs_backward",
        "binary_cross_entropy_forward", "binary_cross_entropy_backward", "sigmoid_bce_with_logits_forward",
        "sigmoid_bce_with_logits_backward", "sum_axis_forward", "sum_axis_backward", "dropout_forward",
        "batch_norm_forward_training", "batch_norm_forward_inference", "batch_norm_backward",
        "batch_norm_relu_forward_training", "batch_norm_relu_forward_inference", "batch_norm_relu_backward", "add_relu_forward", "add_relu_backward",
        "sgd_step", "adam_step", "rmsprop_step", "squared_norm_accumulate", "scale_to_max_norm", "clip_by_value_forward", "clip_by_value_backward",
        "argmax_rows", "sparse_categorical_accuracy_update", "sparse_top_k_accuracy_update", "binary_accuracy_update",
        "multi_label_confusion_update", "sparse_class_counts_update", "confusion_matrix_update", "auc_histogram_update",
        "sparse_auc_histogram_update", "cast_f32_to_i32", "cast_i32_to_f32", "fill_f64",
        "relu_ext_forward", "relu_ext_backward", "elu_forward", "elu_backward", "hard_sigmoid_forward", "hard_sigmoid_backward",
        "hard_swish_forward", "hard_swish_backward", "pad2d_forward", "pad2d_backward", "up_sampling2d_forward",
        "up_sampling2d_backward", "transpose_nd", "depthwise_conv2d_forward", "depthwise_conv2d_backward_input",
        "depthwise_conv2d_backward_filter",
        "broadcast_forward", "broadcast_backward", "maximum_forward", "maximum_backward", "minimum_forward", "minimum_backward",
        "concat_forward", "concat_backward",
    ];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void MethodLaunchesItsKernelWithMatchingArguments(string kernel)
    {
        var n = 1001;
        var (r, c) = (7, 13);
        Action<CudaBackend> call = kernel switch
        {
            "relu_forward" => g => g.ReluForward(F(n), F(n), n),
            "relu_backward" => g => g.ReluBackward(F(n), F(n), F(n), n),
            "sigmoid_forward" => g => g.SigmoidForward(F(n), F(n), n),
            "sigmoid_backward" => g => g.SigmoidBackward(F(n), F(n), F(n), n),
            "tanh_forward" => g => g.TanhForward(F(n), F(n), n),
            "tanh_backward" => g => g.TanhBackward(F(n), F(n), F(n), n),
            "softmax_forward" => g => g.SoftmaxForward(F(r, c), F(r, c), r, c),
            "softmax_backward" => g => g.SoftmaxBackward(F(r, c), F(r, c), F(r, c), r, c),
            "log_softmax_forward" => g => g.LogSoftmaxForward(F(r, c), F(r, c), r, c),
            "log_softmax_backward" => g => g.LogSoftmaxBackward(F(r, c), F(r, c), F(r, c), r, c),
            "add_forward" => g => g.AddForward(F(n), F(n), F(n), n),
            "sub_forward" => g => g.SubForward(F(n), F(n), F(n), n),
            "mul_forward" => g => g.MulForward(F(n), F(n), F(n), n),
            "mul_backward" => g => g.MulBackward(F(n), F(n), F(n), F(n), null, n),
            "div_forward" => g => g.DivForward(F(n), F(n), F(n), n),
            "div_backward" => g => g.DivBackward(F(n), F(n), F(n), null, F(n), n),
            "axpy" => g => g.Axpy(0.5, F(n), F(n), n),
            "affine_forward" => g => g.AffineForward(F(n), F(n), 2, -1, n),
            "bias_add_forward" => g => g.BiasAddForward(F(N, C, 11), F(C), F(N, C, 11), N, C, 11),
            "bias_add_backward" => g => g.BiasAddBackward(F(N, C, 11), F(C), N, C, 11),
            "exp_forward" => g => g.ExpForward(F(n), F(n), n),
            "exp_backward" => g => g.ExpBackward(F(n), F(n), F(n), n),
            "add_backward" => g => g.ElementwiseBackward(Engine.Backends.Elementwise.ElementwiseOps.Add, null, null, F(n), F(n), null, n),
            "sub_backward" => g => g.ElementwiseBackward(Engine.Backends.Elementwise.ElementwiseOps.Sub, null, null, F(n), null, F(n), n),
            "log_forward" => g => g.LogForward(F(n), F(n), n),
            "log_backward" => g => g.LogBackward(F(n), F(n), F(n), n),
            "transpose01" => g => g.Transpose01(F(3, 5, 7), F(5, 3, 7), 3, 5, 7),
            "im2col" => g => g.Im2Col(F(N, C, H, W), F(C * K * K, N * OH * OW), Conv),
            "col2im" => g => g.Col2Im(F(C * K * K, N * OH * OW), F(N, C, H, W), Conv),
            "max_pool2d_forward" => g => g.MaxPool2DForward(F(N, C, H, W), F(N, C, OH, OW), I(N * C * OH * OW, 1), Pool),
            "max_pool2d_backward" => g => g.MaxPool2DBackward(F(N, C, OH, OW), I(N * C * OH * OW, N * C * H * W), F(N, C, H, W), N * C * OH * OW),
            "avg_pool2d_forward" => g => g.AvgPool2DForward(F(N, C, H, W), F(N, C, OH, OW), Pool),
            "avg_pool2d_backward" => g => g.AvgPool2DBackward(F(N, C, OH, OW), F(N, C, H, W), Pool),
            "softmax_cross_entropy_forward" => g => g.SoftmaxCrossEntropyForward(F(r, c), F(r, c), F(r, c), F(r), r, c),
            "softmax_cross_entropy_backward" => g => g.SoftmaxCrossEntropyBackward(F(r, c), F(r, c), F(r), F(r, c), r, c),
            "sparse_softmax_cross_entropy_forward" => g => g.SparseSoftmaxCrossEntropyForward(F(r, c), I(r, c), F(r, c), F(r), r, c),
            "sparse_softmax_cross_entropy_backward" => g => g.SparseSoftmaxCrossEntropyBackward(F(r, c), I(r, c), F(r), F(r, c), r, c),
            "cross_entropy_from_probs_forward" => g => g.CrossEntropyFromProbsForward(F(r, c), F(r, c), F(r), r, c, 1e-7),
            "cross_entropy_from_probs_backward" => g => g.CrossEntropyFromProbsBackward(F(r, c), F(r, c), F(r), F(r, c), r, c, 1e-7),
            "binary_cross_entropy_forward" => g => g.BinaryCrossEntropyForward(F(n), F(n), F(n), n, 1e-7),
            "binary_cross_entropy_backward" => g => g.BinaryCrossEntropyBackward(F(n), F(n), F(n), F(n), n, 1e-7),
            "sigmoid_bce_with_logits_forward" => g => g.SigmoidBceWithLogitsForward(F(r, c), F(r, c), F(c), F(r, c), r * c, c),
            "sigmoid_bce_with_logits_backward" => g => g.SigmoidBceWithLogitsBackward(F(r, c), F(r, c), null, F(r, c), F(r, c), r * c, c),
            "sum_axis_forward" => g => g.SumAxisForward(F(3, 5, 7), F(3, 7), 3, 5, 7, 0.2),
            "sum_axis_backward" => g => g.SumAxisBackward(F(3, 7), F(3, 5, 7), 3, 5, 7, 0.2),
            "dropout_forward" => g => g.DropoutForward(F(n), F(n), F(n), n, 0.3, 12345UL),
            "batch_norm_forward_training" => g => g.BatchNormForwardTraining(F(N, C, 11), F(C), F(C), F(N, C, 11), F(C), F(C), F(C), F(C), N, C, 11, 0.99, 1e-3),
            "batch_norm_forward_inference" => g => g.BatchNormForwardInference(F(N, C, 11), F(C), F(C), F(C), F(C), F(N, C, 11), N, C, 11, 1e-3),
            "batch_norm_backward" => g => g.BatchNormBackward(F(N, C, 11), F(N, C, 11), F(C), F(C), F(C), F(N, C, 11), F(C), null, N, C, 11),
            "batch_norm_relu_forward_training" => g => g.BatchNormReluForwardTraining(F(N, C, 11), F(C), F(C), F(N, C, 11), F(C), F(C), F(C), F(C), N, C, 11, 0.99, 1e-3),
            "batch_norm_relu_forward_inference" => g => g.BatchNormReluForwardInference(F(N, C, 11), F(C), F(C), F(C), F(C), F(N, C, 11), N, C, 11, 1e-3),
            "batch_norm_relu_backward" => g => g.BatchNormReluBackward(F(N, C, 11), F(N, C, 11), F(C), F(C), F(C), F(C), F(N, C, 11), F(C), null, N, C, 11),
            "add_relu_forward" => g => g.AddReluForward(F(n), F(n), F(n), n),
            "add_relu_backward" => g => g.AddReluBackward(F(n), F(n), F(n), null, n),
            "sgd_step" => g => g.SgdStep(F(n), F(n), F(n), n, 0.1, 0.9, 0, true, 1e-4),
            "adam_step" => g => g.AdamStep(F(n), F(n), F(n), F(n), F(n), n, 1e-3, 0.9, 0.999, 1e-8, 0.01, true, 3),
            "rmsprop_step" => g => g.RmspropStep(F(n), F(n), F(n), F(n), n, 1e-3, 0.9, 1e-7, 0.5, 0),
            "squared_norm_accumulate" => g => g.SquaredNormAccumulate(F(n), F(1), n),
            "scale_to_max_norm" => g => g.ScaleToMaxNorm(F(n), F(1), 5, n),
            "clip_by_value_forward" => g => g.ClipByValue(F(n), 0.5, n),
            "clip_by_value_backward" => g => g.ElementwiseBackward(Engine.Backends.Elementwise.ElementwiseOps.ClipByValue, F(n), null, F(n), F(n), null, n, 0.5),
            "argmax_rows" => g => g.ArgmaxRows(F(r, c), I(r, 1), r, c),
            "sparse_categorical_accuracy_update" => g => g.SparseCategoricalAccuracyUpdate(F(r, c), I(r, c), F(r), D(2), r, c),
            "sparse_top_k_accuracy_update" => g => g.SparseTopKAccuracyUpdate(F(r, c), I(r, c), null, D(2), r, c, 3),
            "binary_accuracy_update" => g => g.BinaryAccuracyUpdate(F(r, c), F(r, c), F(r), D(2), r, c, 0.5),
            "multi_label_confusion_update" => g => g.MultiLabelConfusionUpdate(F(r, c), F(r, c), null, D(4 * c), r, c, 0.5),
            "sparse_class_counts_update" => g => g.SparseClassCountsUpdate(F(r, c), I(r, c), F(r), D(3 * c), r, c),
            "confusion_matrix_update" => g => g.ConfusionMatrixUpdate(F(r, c), I(r, c), null, D(c * c), r, c),
            "auc_histogram_update" => g => g.AucHistogramUpdate(F(r, c), F(r, c), F(r), D(c * 2 * 201), r, c, 200),
            "sparse_auc_histogram_update" => g => g.SparseAucHistogramUpdate(F(r, c), I(r, c), null, D(c * 2 * 201), r, c, 200),
            "fill_f64" => g => g.Fill(D(n), 1.5, n),
            "cast_f32_to_i32" => g => g.Cast(F(n), I(n, 5), n),
            "cast_i32_to_f32" => g => g.Cast(I(n, 5), F(n), n),
            "relu_ext_forward" => g => g.ReluExtForward(F(n), F(n), n, 6, 0.1, 0),
            "relu_ext_backward" => g => g.ReluExtBackward(F(n), F(n), F(n), n, double.PositiveInfinity, 0.3, 0),
            "elu_forward" => g => g.EluForward(F(n), F(n), n, 1.0),
            "elu_backward" => g => g.EluBackward(F(n), F(n), F(n), n, 1.0),
            "hard_sigmoid_forward" => g => g.HardSigmoidForward(F(n), F(n), n),
            "hard_sigmoid_backward" => g => g.HardSigmoidBackward(F(n), F(n), F(n), n),
            "hard_swish_forward" => g => g.HardSwishForward(F(n), F(n), n),
            "hard_swish_backward" => g => g.HardSwishBackward(F(n), F(n), F(n), n),
            "pad2d_forward" => g => g.Pad2DForward(F(N, C, H, W), F(N, C, H + 2, W + 3), new Pad2DGeometry { Planes = N * C, H = H, W = W, Top = 1, Left = 2, OH = H + 2, OW = W + 3 }),
            "pad2d_backward" => g => g.Pad2DBackward(F(N, C, H + 2, W + 3), F(N, C, H, W), new Pad2DGeometry { Planes = N * C, H = H, W = W, Top = 1, Left = 2, OH = H + 2, OW = W + 3 }),
            "up_sampling2d_forward" => g => g.UpSampling2DForward(F(N, C, H, W), F(N, C, 2 * H, 3 * W), new UpSampling2DGeometry { Planes = N * C, H = H, W = W, SH = 2, SW = 3 }),
            "up_sampling2d_backward" => g => g.UpSampling2DBackward(F(N, C, 2 * H, 3 * W), F(N, C, H, W), new UpSampling2DGeometry { Planes = N * C, H = H, W = W, SH = 2, SW = 3 }),
            "transpose_nd" => g => g.TransposeNd(F(N, C, H, W), F(N, H, W, C), new StridedWalk([N, H, W, C, 1, 1, 1, 1], [C * H * W, W, 1, H * W, 0, 0, 0, 0])),
            "depthwise_conv2d_forward" => g => g.DepthwiseConv2DForward(F(N, C, H, W), F(2 * C, 1, K, K), F(N, 2 * C, OH, OW), Depthwise),
            "depthwise_conv2d_backward_input" => g => g.DepthwiseConv2DBackwardInput(F(N, 2 * C, OH, OW), F(2 * C, 1, K, K), F(N, C, H, W), Depthwise),
            "depthwise_conv2d_backward_filter" => g => g.DepthwiseConv2DBackwardFilter(F(N, C, H, W), F(N, 2 * C, OH, OW), F(2 * C, 1, K, K), Depthwise),
            "broadcast_forward" => g => g.BroadcastForward(F(C, W), F(N, C, H, W), new StridedWalk([1, 1, N, C, H, W], [1, 1, 0, W, 0, 1])),
            "broadcast_backward" => g => g.BroadcastBackward(F(N, C, H, W), F(C, W), new StridedWalk([1, 1, N, C, H, W], [1, 1, 0, W, 0, 1])),
            "maximum_forward" => g => g.MaximumForward(F(N), F(N), F(N), N),
            "maximum_backward" => g => g.MaximumBackward(F(N), F(N), F(N), F(N), F(N), N),
            "minimum_forward" => g => g.MinimumForward(F(N), F(N), F(N), N),
            "minimum_backward" => g => g.MinimumBackward(F(N), F(N), F(N), F(N), F(N), N),
            "concat_forward" => g => g.ConcatForward(F(N, 2, H), F(N, C, H), N, 2, C, 1, H),
            "concat_backward" => g => g.ConcatBackward(F(N, C, H), F(N, 2, H), N, 2, C, 1, H),
            _ => throw new ArgumentException(kernel),
        };
        Expect(kernel, call);
    }

    [Fact]
    public void EveryKernelIsCoveredByTheTable()
    {
        var launched = Kernels().Select(row => row.Data).ToHashSet();
        var defined = KernelSources.Files.Values.SelectMany(f => f.Kernels).ToHashSet();
        Assert.Empty(defined.Except(launched));
        Assert.Empty(launched.Except(defined));
    }

    [Fact]
    public void EmptyWorkLaunchesNothing()
    {
        _gpu.ReluForward(F(1), F(1), 0);
        _gpu.SoftmaxForward(F(1), F(1), 0, 5);
        Assert.Empty(_queue.Launches);
    }

    [Fact]
    public void RowKernelsUseWholeWarpsSizedToTheRow()
    {
        Assert.Equal(32u, CudaBackend.ThreadsFor(1));
        Assert.Equal(32u, CudaBackend.ThreadsFor(10));
        Assert.Equal(64u, CudaBackend.ThreadsFor(33));
        Assert.Equal(256u, CudaBackend.ThreadsFor(1000));
        var shape = _gpu.BlockPerRow(100_000, 10);
        Assert.Equal(4u * 64, shape.GridX);                      // 64 blocks per SM; they loop over the remaining rows
        Assert.Equal(32u, shape.BlockX);
    }

    [Fact]
    public void WrongInputsGetClearErrors()
    {
        var cpu = Tensor.Zeros(new Shape(10));
        var e1 = Assert.Throws<ArgumentException>(() => _gpu.ReluForward(cpu, F(10), 10));
        Assert.Contains("relu_forward", e1.Message);
        Assert.Contains("cpu", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => _gpu.ReluForward(F(10), F(5), 10));
        Assert.Contains("relu_forward", e2.Message);
        Assert.Contains("(5,)", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => _gpu.SparseSoftmaxCrossEntropyForward(F(3, 4), F(3), F(3, 4), F(3), 3, 4));
        Assert.Contains("int32", e3.Message);
        Assert.Empty(_queue.Launches);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void RowMajorGemmThroughColumnMajorCublasMatchesTheCpu(bool transA, bool transB)
    {
        var (m, n, k) = (5, 7, 3);
        var a = Tensor.RandomNormal(transA ? new Shape(k, m) : new Shape(m, k), _rng);
        var b = Tensor.RandomNormal(transB ? new Shape(n, k) : new Shape(k, n), _rng);
        var c = Tensor.RandomNormal(new Shape(m, n), _rng);
        var gc = CudaTestSupport.ToBackend(c, _gpu);
        _gpu.Gemm(transA, transB, m, n, k, 0.75, CudaTestSupport.ToBackend(a, _gpu), CudaTestSupport.ToBackend(b, _gpu), 0.5, gc);
        CpuBackend.Instance.Gemm(transA, transB, m, n, k, 0.75, a, b, 0.5, c);
        TestData.AssertClose(c.ToDoubleArray(), gc.ToDoubleArray(), 1e-5, 1e-5, $"gemm transA={transA} transB={transB}");
        var call = Assert.Single(_queue.Gemms);
        Assert.Equal((transB, transA, n, m, k), (call.TransA, call.TransB, call.M, call.N, call.K));   // operands swapped
    }

    [Fact]
    public void GemmWithBetaZeroIgnoresGarbageInC()
    {
        var a = Tensor.RandomNormal(new Shape(2, 3), _rng);
        var b = Tensor.RandomNormal(new Shape(3, 4), _rng);
        var c = CudaTestSupport.ToBackend(Tensor.Full(new Shape(2, 4), float.NaN), _gpu);
        _gpu.Gemm(false, false, 2, 4, 3, 1, CudaTestSupport.ToBackend(a, _gpu), CudaTestSupport.ToBackend(b, _gpu), 0, c);
        var expected = Tensor.Zeros(new Shape(2, 4));
        CpuBackend.Instance.Gemm(false, false, 2, 4, 3, 1, a, b, 0, expected);
        TestData.AssertClose(expected.ToDoubleArray(), c.ToDoubleArray(), 1e-5, 1e-5, "gemm beta=0");
    }
}
