using System.Text.Json.Nodes;
using Engine.Autograd;
using Engine.Layers;
using Engine.Layers.Initializers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Tests.Layers;

/// <summary>Issue 14's single-input layers: values against independent constructions, Keras's
/// shapes and errors, config round trips and Summary rows.</summary>
public class NewLayerTests
{
    private readonly Rng _rng = new(140);

    private Tensor Normal(params int[] shape) => Tensor.RandomNormal(new Shape(shape), _rng, dtype: DType.Float64);

    private static void Same(Tensor expected, Tensor actual, double tol = 1e-12)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        TestData.AssertClose(expected.ToDoubleArray(), actual.ToDoubleArray(), tol, tol);
    }

    // ---- values ------------------------------------------------------------------------------

    [Fact]
    public void PaddingCroppingAndUpsamplingMoveTheRightPixels()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 1, 1, 2, 3);
        var padded = Ops.ZeroPad2D(x, 1, 0, 0, 2);
        Assert.Equal(new Shape(1, 1, 3, 5), padded.Shape);
        Assert.Equal(new double[] { 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0 }, padded.ToDoubleArray());
        Assert.Equal(x.ToDoubleArray(), Ops.Crop2D(padded, 1, 0, 0, 2).ToDoubleArray());
        Assert.Equal(new double[] { 5 }, Ops.Crop2D(x, 1, 0, 1, 1).ToDoubleArray());
        var up = Ops.UpSampling2D(x, 2, 1);
        Assert.Equal(new double[] { 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6 }, up.ToDoubleArray());
        Assert.Equal(new double[] { 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6 }, Ops.UpSampling2D(x, 1, 2).ToDoubleArray());
    }

    [Fact]
    public void TransposeMatchesIndexArithmetic()
    {
        var x = Normal(2, 3, 4, 5);
        int[] perm = [2, 0, 3, 1];
        var y = Ops.Transpose(x, perm);
        Assert.Equal(new Shape(4, 2, 5, 3), y.Shape);
        var (xs, ys) = (x.ToDoubleArray(), y.ToDoubleArray());
        for (var a = 0; a < 2; a++)
            for (var b = 0; b < 3; b++)
                for (var c = 0; c < 4; c++)
                    for (var d = 0; d < 5; d++)
                        Assert.Equal(xs[((a * 3 + b) * 4 + c) * 5 + d], ys[((c * 2 + a) * 5 + d) * 3 + b]);
        // The float32 and int32 paths move the same elements.
        var xf = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 4);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), Ops.Transpose(Ops.Transpose(xf, 1, 2, 0), 2, 0, 1).ToArray<float>());
        Assert.Contains("perm must be a permutation of 0..2", Assert.Throws<ArgumentException>(() => Ops.Transpose(xf, 0, 0, 1)).Message);
    }

    [Fact]
    public void GlobalMaxPoolIsThePlaneMaximum()
    {
        var x = Normal(3, 4, 5, 7);
        var y = Ops.GlobalMaxPool2D(x);
        Assert.Equal(new Shape(3, 4), y.Shape);
        var xs = x.ToDoubleArray();
        Assert.Equal(Enumerable.Range(0, 12).Select(p => xs.Skip(p * 35).Take(35).Max()).ToArray(), y.ToDoubleArray());
    }

    [Fact]
    public void ActivationValuesFollowKeras()
    {
        var x = Tensor.FromArray(new double[] { -4, -1, 0, 1, 5, 7 });
        Assert.Equal(new double[] { 0, 0, 0, 1, 5, 6 }, Ops.Relu6(x).ToDoubleArray());
        Assert.Equal(new double[] { -0.8, -0.2, 0, 1, 5, 7 }, Ops.LeakyRelu(x).ToDoubleArray(), new ToleranceComparer(1e-15));
        Assert.Equal(new double[] { Math.Exp(-4) - 1, Math.Exp(-1) - 1, 0, 1, 5, 7 }, Ops.Elu(x).ToDoubleArray(), new ToleranceComparer(1e-15));
        Assert.Equal(new double[] { 0, 2.0 / 6, 0.5, 4.0 / 6, 1, 1 }, Ops.HardSigmoid(x).ToDoubleArray(), new ToleranceComparer(1e-15));
        Assert.Equal(new double[] { 0, -2.0 / 6, 0, 4.0 / 6, 5, 7 }, Ops.HardSwish(x).ToDoubleArray(), new ToleranceComparer(1e-15));
        // Keras's ReLU(max_value=6, negative_slope=0.5, threshold=1): 0.5·(x − 1) below 1.
        Assert.Equal(new double[] { -2.5, -1, -0.5, 1, 5, 6 }, new ReLU(6, 0.5, 1).Forward(x).ToDoubleArray());
        foreach (var name in new[] { "relu6", "hard_sigmoid", "hard_swish", "hard_silu", "leaky_relu", "elu" })
            Assert.Equal(6, Activations.Apply(Activations.Validate(name), x).Size);
    }

    private sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol;

        public int GetHashCode(double obj) => 0;
    }

    [Theory]
    [InlineData(8, 2, 1, 3)]   // stride 2 on an even size: padding 0 before, 1 after
    [InlineData(7, 1, 3, 2)]   // dilation 3, kernel 2 spans 4: padding 1 before, 2 after
    [InlineData(9, 1, 2, 3)]   // dilation 2, kernel 3 spans 5: 2 and 2
    public void SamePaddingPutsTheOddPixelAfterAlsoWithDilation(int size, int stride, int dilation, int kernel)
    {
        var span = (kernel - 1) * dilation + 1;
        var output = (size + stride - 1) / stride;
        var total = Math.Max((output - 1) * stride + span - size, 0);
        var (before, after) = (total / 2, total - total / 2);
        var x = Normal(2, 3, size, size);
        var w = Normal(4, 3, kernel, kernel);
        var same = Ops.Conv2D(x, w, null, stride, stride, ConvPadding.Same, dilation, dilation);
        var reference = Ops.Conv2D(Ops.ZeroPad2D(x, before, after, before, after), w, null, stride, stride, ConvPadding.Valid, dilation, dilation);
        Same(reference, same);
        Same(reference, Ops.Conv2D(x, w, null, stride, stride, ((before, after), (before, after)), dilation, dilation));
        Assert.Equal(new Shape(2, 4, output, output), same.Shape);
    }

    [Fact]
    public void DilatedConvEqualsConvWithZerosBetweenTaps()
    {
        var x = Normal(2, 3, 9, 8);
        var w = Normal(4, 3, 3, 2);
        var (dh, dw) = (2, 3);
        var spread = new double[4 * 3 * 5 * 4];
        var ws = w.ToDoubleArray();
        for (var fc = 0; fc < 12; fc++)
            for (var i = 0; i < 3; i++)
                for (var j = 0; j < 2; j++)
                    spread[(fc * 5 + i * dh) * 4 + j * dw] = ws[(fc * 3 + i) * 2 + j];
        var wide = Tensor.FromArray(spread, 4, 3, 5, 4);
        Same(Ops.Conv2D(x, wide, null, 1, 1, ConvPadding.Valid), Ops.Conv2D(x, w, null, 1, 1, ConvPadding.Valid, dh, dw));
    }

    [Fact]
    public void GroupedConvEqualsConvWithBlockDiagonalKernel()
    {
        var (c, f, groups) = (6, 4, 2);
        var x = Normal(3, c, 5, 7);
        var w = Normal(f, c / groups, 3, 3);
        var b = Normal(f);
        var full = new double[f * c * 9];
        var ws = w.ToDoubleArray();
        for (var o = 0; o < f; o++)
            for (var ci = 0; ci < c / groups; ci++)
                for (var t = 0; t < 9; t++)
                    full[(o * c + o / (f / groups) * (c / groups) + ci) * 9 + t] = ws[(o * (c / groups) + ci) * 9 + t];
        var dense = Tensor.FromArray(full, f, c, 3, 3);
        Same(Ops.Conv2D(x, dense, b, 2, 2, Padding.Same), Ops.Conv2D(x, w, b, 2, 2, ConvPadding.Same, groups: groups));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 2, 1)]
    [InlineData(3, 1, 2)]
    public void DepthwiseEqualsGroupedConvWithOneGroupPerChannel(int multiplier, int stride, int dilation)
    {
        var x = Normal(3, 4, 7, 6);
        var w = Normal(4 * multiplier, 1, 3, 3);
        var b = Normal(4 * multiplier);
        var grouped = Ops.Conv2D(x, w, b, stride, stride, ConvPadding.Same, dilation, dilation, groups: 4);
        Same(grouped, Ops.DepthwiseConv2D(x, w, b, stride, stride, ConvPadding.Same, dilation, dilation));
        // float32 on the CPU (the grouped path never takes the fused kernel) agrees too.
        var (x32, w32, b32) = (x.To(DType.Float32), w.To(DType.Float32), b.To(DType.Float32));
        TestData.AssertClose(grouped.ToDoubleArray(), Ops.DepthwiseConv2D(x32, w32, b32, stride, stride, ConvPadding.Same, dilation, dilation).ToDoubleArray(), 1e-4, 1e-4);
        TestData.AssertClose(grouped.ToDoubleArray(), Ops.Conv2D(x32, w32, b32, stride, stride, ConvPadding.Same, dilation, dilation, groups: 4).ToDoubleArray(), 1e-4, 1e-4);
    }

    [Fact]
    public void Float32DilatedAndExplicitConvMatchFloat64()
    {
        // groups = 1, dilation 1 with explicit padding may use the fused CPU path; dilation does not.
        var x = Normal(2, 3, 9, 8);
        var w = Normal(5, 3, 3, 3);
        var b = Normal(5);
        foreach (var (pad, d) in new (ConvPadding, int)[] { (((1, 0), (2, 1)), 1), ("same", 2), (1, 3) })
            foreach (var relu in new[] { false, true })
            {
                var expected = Ops.Conv2D(x, w, b, 1, 1, pad, d, d, relu: relu).ToDoubleArray();
                var actual = Ops.Conv2D(x.To(DType.Float32), w.To(DType.Float32), b.To(DType.Float32), 1, 1, pad, d, d, relu: relu).ToDoubleArray();
                TestData.AssertClose(expected, actual, 1e-4, 1e-4, $"conv2d {pad} d={d} relu={relu}");
            }
    }

    // ---- layers: shapes, summary, config, errors ----------------------------------------------

    [Fact]
    public void SummaryShowsKerasShapesAndParamCounts()
    {
        using var model = new Sequential([
            new ZeroPadding2D(((0, 1), (0, 1)), inputShape: [4, 9, 9]),
            new Conv2D(8, 3, strides: 2, groups: 2, activation: "relu6"),
            new DepthwiseConv2D(3, padding: "same", depthMultiplier: 2),
            new ReLU(6),
            new SeparableConv2D(16, 3, padding: 1, dilationRate: 2),
            new Cropping2D(((1, 0), (0, 1))),
            new UpSampling2D((2, 1)),
            new Permute([2, 3, 1]),
            new Reshape([-1, 16]),
            new LeakyReLU(),
            new ELU(),
            new Reshape([2, 1, 16]),
            new Permute([3, 1, 2]),
            new GlobalMaxPooling2D(),
        ]);
        var text = model.GetSummary();
        Assert.Matches(@"zero_padding2d \(ZeroPadding2D\)\s+\(None, 4, 10, 10\)\s+0\n", text);
        Assert.Matches(@"conv2d \(Conv2D\)\s+\(None, 8, 4, 4\)\s+152\n", text);                       // 8·2·9 + 8
        Assert.Matches(@"depthwise_conv2d \(DepthwiseConv2D\)\s+\(None, 16, 4, 4\)\s+160\n", text);  // 16·9 + 16
        Assert.Matches(@"re_lu \(ReLU\)\s+\(None, 16, 4, 4\)\s+0\n", text);
        Assert.Matches(@"separable_conv2d \(SeparableConv2D\)\s+\(None, 16, 2, 2\)\s+416\n", text); // 16·9 + 16·16 + 16
        Assert.Matches(@"cropping2d \(Cropping2D\)\s+\(None, 16, 1, 1\)\s+0\n", text);
        Assert.Matches(@"up_sampling2d \(UpSampling2D\)\s+\(None, 16, 2, 1\)\s+0\n", text);
        Assert.Matches(@"permute \(Permute\)\s+\(None, 2, 1, 16\)\s+0\n", text);
        Assert.Matches(@"reshape \(Reshape\)\s+\(None, 2, 16\)\s+0\n", text);
        Assert.Matches(@"leaky_re_lu \(LeakyReLU\)\s+\(None, 2, 16\)\s+0\n", text);
        Assert.Matches(@"elu \(ELU\)\s+\(None, 2, 16\)\s+0\n", text);
        Assert.Matches(@"global_max_pooling2d \(GlobalMaxPooling2D\)\s+\(None, 16\)\s+0\n", text);
        Assert.Equal(152 + 160 + 416, model.CountParams());
    }

    public static TheoryData<string> LayerKinds =>
        ["zeropad", "crop", "relu", "relu_default", "leaky", "elu", "depthwise", "separable", "conv_groups", "conv_explicit", "gmp", "upsampling", "reshape", "permute"];

    private static Layer Make(string kind) => kind switch
    {
        "zeropad" => new ZeroPadding2D(((0, 1), (2, 3)), inputShape: [3, 8, 8], name: "pad"),
        "crop" => new Cropping2D((1, 2)),
        "relu" => new ReLU(6, 0.1, 0.5),
        "relu_default" => new ReLU(),
        "leaky" => new LeakyReLU(0.2),
        "elu" => new ELU(0.7),
        "depthwise" => new DepthwiseConv2D((3, 2), strides: 1, padding: "same", depthMultiplier: 3, dilationRate: (2, 1), activation: "relu6",
            useBias: false, depthwiseInitializer: "he_uniform"),
        "separable" => new SeparableConv2D(7, 3, strides: 2, padding: "valid", depthMultiplier: 2, activation: "hard_swish",
            pointwiseInitializer: new HeNormal { Seed = 4 }, biasInitializer: new Constant(0.25)),
        "conv_groups" => new Conv2D(6, 3, padding: "same", groups: 3, dilationRate: 2, activation: "elu"),
        "conv_explicit" => new Conv2D(4, (3, 1), strides: (2, 1), padding: ((1, 0), (0, 2)), activation: "leaky_relu"),
        "gmp" => new GlobalMaxPooling2D(),
        "upsampling" => new UpSampling2D((3, 2)),
        "reshape" => new Reshape([4, -1, 2]),
        _ => new Permute([3, 1, 2]),
    };

    [Theory]
    [MemberData(nameof(LayerKinds))]
    public void ConfigRoundTrips(string kind)
    {
        var layer = Make(kind);
        var config = layer.GetConfig();
        var again = LayerRegistry.FromConfig(layer.ClassName, (JsonObject)JsonNode.Parse(config.ToJsonString())!);
        Assert.Equal(layer.GetType(), again.GetType());
        Assert.Equal(config.ToJsonString(), again.GetConfig().ToJsonString());
    }

    [Fact]
    public void ConfigsReadLikeKeras()
    {
        Assert.Equal("""[[0,1],[2,3]]""", Make("zeropad").GetConfig()["padding"]!.ToJsonString());
        Assert.Equal("""[[1,0],[0,2]]""", Make("conv_explicit").GetConfig()["padding"]!.ToJsonString());
        Assert.Equal("same", Make("conv_groups").GetConfig()["padding"]!.GetValue<string>());
        Assert.Equal(3, Make("conv_groups").GetConfig()["groups"]!.GetValue<int>());
        Assert.Null(Make("relu_default").GetConfig()["max_value"]);
        // An older Conv2D config without dilation_rate/groups still loads.
        var old = Make("conv_explicit").GetConfig();
        old.Remove("dilation_rate");
        old.Remove("groups");
        var conv = (Conv2D)LayerRegistry.FromConfig("Conv2D", old);
        Assert.Equal((new Size2(1, 1), 1), (conv.DilationRate, conv.Groups));
    }

    [Fact]
    public void ErrorsQuoteWhatWasReceived()
    {
        string Message(Action a) => Assert.ThrowsAny<ArgumentException>(a).Message;
        Assert.Contains("padding amounts must be >= 0; received padding=((-1, -1), (2, 2))", Message(() => new ZeroPadding2D((-1, 2))));
        Assert.Contains("cropping ((3, 3), (0, 0)) leaves nothing of the input's spatial size (5, 7)", Message(() => new Cropping2D((3, 0)).ComputeOutputShape([2, 5, 7])));
        Assert.Contains("max_value of a ReLU layer cannot be a negative value. Received: -1", Message(() => new ReLU(-1)));
        Assert.Contains("negative_slope=-0.1", Message(() => new LeakyReLU(-0.1)));
        Assert.Contains("depth_multiplier=0", Message(() => new DepthwiseConv2D(3, depthMultiplier: 0)));
        Assert.Contains("Received: groups=4, filters=6", Message(() => new Conv2D(6, 3, groups: 4)));
        Assert.Contains("Received groups=2, but the input has 3 channels", Message(() => new Conv2D(6, 3, groups: 2).ComputeOutputShape([3, 8, 8])));
        Assert.Contains("strides=(2, 2) and dilation_rate=(2, 2)", Message(() => new Conv2D(6, 3, strides: 2, dilationRate: 2)));
        Assert.Contains("invalid padding 'full'", Message(() => new DepthwiseConv2D(3, padding: "full")));
        Assert.Contains("explicit padding amounts must be >= 0; received ((-1, -1), (0, 0))", Message(() => new Conv2D(2, 3, padding: (-1, 0))));
        Assert.Contains("with dilation rate (3, 3) is larger than the input's spatial size (6, 6) with padding 'valid'",
            Message(() => new Conv2D(2, 3, dilationRate: 3).ComputeOutputShape([1, 6, 6])));
        Assert.Contains("the total size of the tensor must be unchanged. Received: input_shape=(None, 3, 4), target_shape=(5, -1)",
            Message(() => new Reshape([5, -1]).ComputeOutputShape([3, 4])));
        Assert.Contains("at most one unknown dimension", Message(() => new Reshape([-1, -1])));
        Assert.Contains("Received dims=(1, 3)", Message(() => new Permute([1, 3])));
        Assert.Contains("expected ndim=3 to permute with dims=(2, 1), found ndim=4", Message(() => new Permute([2, 1]).ComputeOutputShape([1, 2, 3])));
        Assert.Contains("interpolation 'bilinear' is not supported", Message(() => new UpSampling2D(2, "bilinear")));
        // Op-level errors name the op and the shapes received.
        var x = Tensor.Zeros(new Shape(2, 6, 5, 5));
        Assert.Contains("with groups=2 the kernel must have 6 / 2 = 3 channels per filter", Message(() => Ops.Conv2D(x, Tensor.Zeros(new Shape(4, 6, 3, 3)), null, 1, 1, ConvPadding.Same, groups: 2)));
        Assert.Contains("the kernel must have shape (channels · depth_multiplier, 1, kernel_h, kernel_w) with channels = 6", Message(() => Ops.DepthwiseConv2D(x, Tensor.Zeros(new Shape(4, 1, 3, 3)), null, 1, 1, ConvPadding.Same)));
        Assert.Contains("zero_padding2d expects a rank-4 input (N, C, H, W); received shape (2, 6)", Message(() => Ops.ZeroPad2D(Tensor.Zeros(new Shape(2, 6)), 1, 1, 1, 1)));
    }

    [Fact]
    public void LayersGradCheckInFloat64()
    {
        var sep = new SeparableConv2D(4, 3, padding: "same", depthMultiplier: 2, activation: "tanh");
        var x = TestData.Param(_rng, 3, 3, 5, 7);
        sep.Forward(x);
        GradCheck.Assert("SeparableConv2D layer", t => sep.Forward(t[0]), x, sep.DepthwiseKernel!.Value, sep.PointwiseKernel!.Value, sep.Bias!.Value);

        var dw = new DepthwiseConv2D(3, strides: 2, padding: "same", depthMultiplier: 2, activation: "elu");
        dw.Forward(x);
        GradCheck.Assert("DepthwiseConv2D layer", t => dw.Forward(t[0]), x, dw.DepthwiseKernel!.Value, dw.Bias!.Value);

        var conv = new Conv2D(6, 3, padding: ((1, 0), (0, 1)), groups: 3, dilationRate: 2, activation: "hard_swish");
        conv.Forward(x);
        GradCheck.Assert("Conv2D layer with groups, dilation and explicit padding", t => conv.Forward(t[0]), x, conv.Kernel!.Value, conv.Bias!.Value);
    }
}
