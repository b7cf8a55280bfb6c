using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Central-difference checks (float64, CPU) of the ops behind issue 14's layers, on odd shapes
/// (batch 3, 5×7 images) with stride, padding and dilation variants. Their negative controls are in
/// NegativeControlNewOpsTests.</summary>
public class GradCheckNewLayerOpsTests
{
    private readonly Rng _rng = new(1414);

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(0, 1, 0, 1)]
    [InlineData(3, 0, 2, 1)]
    public void ZeroPad2D(int top, int bottom, int left, int right) =>
        GradCheck.Assert($"zero_pad2d (({top},{bottom}),({left},{right}))", t => Ops.ZeroPad2D(t[0], top, bottom, left, right), TestData.Param(_rng, 3, 2, 5, 7));

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(0, 2, 3, 0)]
    public void Crop2D(int top, int bottom, int left, int right) =>
        GradCheck.Assert($"crop2d (({top},{bottom}),({left},{right}))", t => Ops.Crop2D(t[0], top, bottom, left, right), TestData.Param(_rng, 3, 2, 5, 7));

    [Theory]
    [InlineData(2, 2)]
    [InlineData(1, 3)]
    public void UpSampling2D(int sh, int sw) =>
        GradCheck.Assert($"up_sampling2d ({sh},{sw})", t => Ops.UpSampling2D(t[0], sh, sw), TestData.Param(_rng, 3, 2, 5, 7));

    [Fact]
    public void GlobalMaxPool2D() =>
        GradCheck.Assert("global_max_pool2d", t => Ops.GlobalMaxPool2D(t[0]), TestData.Param(_rng, 3, 4, 5, 7));

    [Theory]
    [InlineData(new[] { 2, 0, 1 })]
    [InlineData(new[] { 0, 2, 3, 1 })]
    [InlineData(new[] { 3, 1, 4, 0, 2 })]
    public void TransposeNd(int[] perm)
    {
        int[] shape = perm.Length switch { 3 => [3, 5, 7], 4 => [3, 2, 5, 7], _ => [2, 3, 1, 4, 5] };
        GradCheck.Assert($"transpose [{string.Join(",", perm)}]", t => Ops.Transpose(t[0], perm), TestData.Param(_rng, shape));
    }

    /// <summary>Inputs spread over [-8, 8] and kept 0.05 away from every kink tested (0, ±3, 6, 1.5),
    /// so central differences never straddle one.</summary>
    private Tensor Spread(params int[] shape)
    {
        double[] kinks = [0, 3, -3, 6, 1.5];
        var t = Tensor.FromHost(new Shape(shape), DType.Float64, null, _ =>
        {
            double v;
            do v = (_rng.NextDouble() * 2 - 1) * 8;
            while (kinks.Any(k => Math.Abs(v - k) < 0.05));
            return v;
        });
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void Activations()
    {
        GradCheck.Assert("relu6", t => Ops.Relu6(t[0]), Spread(3, 5, 7));
        GradCheck.Assert("relu max 6 slope 0.1 threshold 1.5", t => Ops.Relu(t[0], 6, 0.1, 1.5), Spread(3, 5, 7));
        GradCheck.Assert("leaky_relu 0.3", t => Ops.LeakyRelu(t[0], 0.3), Spread(3, 5, 7));
        GradCheck.Assert("elu 1.0", t => Ops.Elu(t[0]), Spread(3, 5, 7));
        GradCheck.Assert("elu 0.5", t => Ops.Elu(t[0], 0.5), Spread(3, 5, 7));
        GradCheck.Assert("hard_sigmoid", t => Ops.HardSigmoid(t[0]), Spread(3, 5, 7));
        GradCheck.Assert("hard_swish", t => Ops.HardSwish(t[0]), Spread(3, 5, 7));
    }

    public static TheoryData<int, int, int, string, bool> DepthwiseCases() => new()
    {
        { 3, 1, 1, "valid", true },
        { 3, 2, 1, "same", true },
        { 3, 1, 2, "same", false },
        { 2, 2, 1, "same", true },   // even kernel, stride 2: TensorFlow's extra row/column after
        { 1, 1, 1, "valid", false },
        { 3, 2, 1, "explicit", true },
        { 2, 1, 3, "valid", true },  // dilation 3 spans 4 pixels
    };

    [Theory]
    [MemberData(nameof(DepthwiseCases))]
    public void DepthwiseConv2D(int kernel, int stride, int dilation, string padding, bool bias)
    {
        ConvPadding pad = padding == "explicit" ? ((1, 0), (2, 1)) : padding;
        foreach (var multiplier in new[] { 1, 2 })
        {
            var name = $"depthwise k={kernel} s={stride} d={dilation} {pad} M={multiplier} bias={bias}";
            var (x, w) = (TestData.Param(_rng, 3, 3, 5, 7), TestData.Param(_rng, 3 * multiplier, 1, kernel, kernel));
            if (bias) GradCheck.Assert(name, t => Ops.DepthwiseConv2D(t[0], t[1], t[2], stride, stride, pad, dilation, dilation), x, w, TestData.Param(_rng, 3 * multiplier));
            else GradCheck.Assert(name, t => Ops.DepthwiseConv2D(t[0], t[1], null, stride, stride, pad, dilation, dilation), x, w);
        }
    }

    public static TheoryData<int, int, int, int, int, string> ConvCases() => new()
    {
        // kernel, stride, dilationH, dilationW, groups, padding
        { 3, 1, 2, 2, 1, "same" },
        { 3, 1, 2, 1, 1, "valid" },
        { 2, 1, 3, 3, 1, "same" },    // span 4: padding 1 before, 2 after
        { 3, 2, 2, 2, 1, "same" },
        { 3, 1, 1, 1, 2, "same" },
        { 3, 2, 1, 1, 2, "valid" },
        { 1, 1, 1, 1, 4, "valid" },
        { 3, 1, 2, 2, 2, "explicit" },
        { 3, 2, 1, 1, 1, "explicit" },
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2DDilationGroupsPadding(int kernel, int stride, int dh, int dw, int groups, string padding)
    {
        ConvPadding pad = padding == "explicit" ? ((2, 0), (1, 2)) : padding;
        var (c, f) = (4, 8);
        var name = $"conv2d k={kernel} s={stride} d=({dh},{dw}) groups={groups} {pad}";
        GradCheck.Assert(name, t => Ops.Conv2D(t[0], t[1], t[2], stride, stride, pad, dh, dw, groups),
            TestData.Param(_rng, 3, c, 5, 7), TestData.Param(_rng, f, c / groups, kernel, kernel), TestData.Param(_rng, f));
        GradCheck.Assert(name + " relu", t => Ops.Conv2D(t[0], t[1], null, stride, stride, pad, dh, dw, groups, relu: true),
            TestData.Param(_rng, 3, c, 5, 7), TestData.Param(_rng, f, c / groups, kernel, kernel));
    }
}
