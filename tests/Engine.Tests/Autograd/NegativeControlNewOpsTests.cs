using Engine.Autograd;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Negative controls for issue 14's ops: each op's forward with a backward that is wrong in
/// one parameter (a shifted offset, a dropped tap, another slope) must fail the same gradient checker
/// that the real op passes in GradCheckNewLayerOpsTests, and the real backward run through this same
/// harness must pass (so the harness is not what fails).</summary>
public class NegativeControlNewOpsTests
{
    private readonly Rng _rng = new(99);

    /// <summary>y = forward() computed off the tape, recorded with the given backward.</summary>
    private static Tensor Recorded(string op, Tensor[] inputs, Func<Tensor> forward, BackwardFn backward)
    {
        Tensor y;
        using (Tape.NoGrad()) y = forward();
        Tape.Record(op, y, inputs, backward);
        return y;
    }

    private static void AssertCaught(string name, Func<Tensor[], Tensor> wrong, Func<Tensor[], Tensor> right, params Tensor[] inputs)
    {
        Assert.True(GradCheck.Check(name + " (real backward through the harness)", right, inputs).Passed, $"{name}: the harness itself fails");
        var result = GradCheck.Check(name, wrong, inputs);
        Assert.False(result.Passed, $"{name}: a wrong backward passed the gradient check");
        Assert.NotEmpty(result.Mismatches);
    }

    private static IBackend Cpu => CpuBackend.Instance;

    [Fact]
    public void PaddingBackwardWithShiftedOffset()
    {
        var x = TestData.Param(_rng, 3, 2, 5, 7);
        Func<Tensor[], Tensor> make(int gradLeft) => t => Recorded("zero_pad2d", t, () => Ops.ZeroPad2D(t[0], 1, 0, 2, 1), (dy, grad) =>
        {
            if (grad(t[0]) is { } dx) Cpu.Pad2DBackward(dy, dx, new Pad2DGeometry { Planes = 6, H = 5, W = 7, Top = 1, Left = gradLeft, OH = 6, OW = 10 });
        });
        AssertCaught("zero_pad2d with left offset 1 instead of 2", make(1), make(2), x);
    }

    [Fact]
    public void UpsamplingBackwardWithSwappedSize()
    {
        // Forward (2, 3): 5×7 → 10×21; the wrong backward reads the gradient as a (3, 2) upsampling (15×14 blocks).
        var x = TestData.Param(_rng, 3, 2, 5, 7);
        Func<Tensor[], Tensor> make(int gradSh, int gradSw) => t => Recorded("up_sampling2d", t, () => Ops.UpSampling2D(t[0], 2, 3), (dy, grad) =>
        {
            if (grad(t[0]) is { } dx) Cpu.UpSampling2DBackward(dy, dx, new UpSampling2DGeometry { Planes = 6, H = 5, W = 7, SH = gradSh, SW = gradSw });
        });
        AssertCaught("up_sampling2d backward with size (3, 2) for (2, 3)", make(3, 2), make(2, 3), x);
    }

    /// <summary>dst = src permuted by perm, through the CPU kernel.</summary>
    private static void TransposeInto(Tensor src, int[] shape, Tensor dst, int[] perm)
    {
        var (d, s) = (Enumerable.Repeat(1, 8).ToArray(), new int[8]);
        var strides = new int[shape.Length];
        for (int a = shape.Length - 1, stride = 1; a >= 0; stride *= shape[a], a--) strides[a] = stride;
        for (var a = 0; a < perm.Length; a++) (d[a], s[a]) = (shape[perm[a]], strides[perm[a]]);
        Cpu.TransposeNd(src, dst, new StridedWalk(d, s));
    }

    [Fact]
    public void TransposeBackwardWithForwardPermutation()
    {
        var x = TestData.Param(_rng, 3, 4, 5);
        int[] perm = [1, 2, 0], inverse = [2, 0, 1];
        Func<Tensor[], Tensor> make(bool right) => t => Recorded("transpose", t, () => Ops.Transpose(t[0], perm), (dy, grad) =>
        {
            if (grad(t[0]) is not { } dx) return;
            // Wrong: permutes the gradient (shape (4, 5, 3)) by perm again instead of its inverse.
            using var back = Tensor.Empty(new Shape(60), DType.Float64);
            TransposeInto(dy, [4, 5, 3], back, right ? inverse : perm);
            Cpu.Axpy(1, back, dx, 60);
        });
        AssertCaught("transpose backward by perm instead of its inverse", make(false), make(true), x);
    }

    [Fact]
    public void ActivationBackwardsWithOtherParameters()
    {
        var x = TestData.AwayFromZero(_rng, 3, 5, 7);
        // relu6 whose backward forgets the cap at 6 (slope 1 above it): needs inputs above 6.
        var big = Tensor.FromHost(new Shape(3, 5), DType.Float64, null, i => i % 2 == 0 ? 7 + i * 0.1 : 1 + i * 0.1);
        big.RequiresGrad = true;
        Func<Tensor[], Tensor> relu(double gradMax) => t => Recorded("relu6", t, () => Ops.Relu6(t[0]), (dy, grad) =>
        {
            if (grad(t[0]) is { } dx) Cpu.ReluExtBackward(t[0], dy, dx, dy.Size, gradMax, 0, 0);
        });
        AssertCaught("relu6 backward without the cap", relu(double.PositiveInfinity), relu(6), big);

        Func<Tensor[], Tensor> leaky(double gradSlope) => t => Recorded("leaky_relu", t, () => Ops.LeakyRelu(t[0], 0.3), (dy, grad) =>
        {
            if (grad(t[0]) is { } dx) Cpu.ReluExtBackward(t[0], dy, dx, dy.Size, double.PositiveInfinity, gradSlope, 0);
        });
        AssertCaught("leaky_relu backward with slope 0.2 for 0.3", leaky(0.2), leaky(0.3), x);

        Func<Tensor[], Tensor> elu(double gradAlpha) => t => Recorded("elu", t, () => Ops.Elu(t[0], 1.0), (dy, grad) =>
        {
            if (grad(t[0]) is { } dx) Cpu.EluBackward(t[0], dy, dx, dy.Size, gradAlpha);
        });
        AssertCaught("elu backward with alpha 0.9 for 1.0", elu(0.9), elu(1.0), x);

        var wide = Tensor.FromHost(new Shape(3, 7), DType.Float64, null, i => -5 + i * 0.47);
        wide.RequiresGrad = true;
        Func<Tensor[], Tensor> hardSigmoid(bool right) => t => Recorded("hard_sigmoid", t, () => Ops.HardSigmoid(t[0]), (dy, grad) =>
        {
            if (grad(t[0]) is not { } dx) return;
            if (right) Cpu.HardSigmoidBackward(t[0], dy, dx, dy.Size);
            else Cpu.HardSwishBackward(t[0], dy, dx, dy.Size); // the neighbour's derivative
        });
        AssertCaught("hard_sigmoid backward replaced by hard_swish's", hardSigmoid(false), hardSigmoid(true), wide);

        Func<Tensor[], Tensor> hardSwish(bool right) => t => Recorded("hard_swish", t, () => Ops.HardSwish(t[0]), (dy, grad) =>
        {
            if (grad(t[0]) is not { } dx) return;
            if (right) Cpu.HardSwishBackward(t[0], dy, dx, dy.Size);
            else Cpu.HardSigmoidBackward(t[0], dy, dx, dy.Size);
        });
        AssertCaught("hard_swish backward replaced by hard_sigmoid's", hardSwish(false), hardSwish(true), wide);
    }

    [Fact]
    public void DepthwiseBackwardWithWrongDilation()
    {
        // Forward dilation 2; the wrong backward uses dilation 1 for both gradients.
        var (x, w) = (TestData.Param(_rng, 3, 2, 5, 7), TestData.Param(_rng, 4, 1, 3, 3));
        Func<Tensor[], Tensor> make(int gradDilation) => t => Recorded("depthwise_conv2d", t,
            () => Ops.DepthwiseConv2D(t[0], t[1], null, 1, 1, "same", 2, 2), (dy, grad) =>
            {
                // The forward's geometry ('same', pad 2, output 5x7) with the wrong dilation.
                var g = Conv2DGeometry.Create(t[0].Shape, (3, 3), (1, 1), "same", (2, 2), filters: 4, groups: 2) with { DH = gradDilation, DW = gradDilation };
                if (grad(t[0]) is { } dx) Cpu.DepthwiseConv2DBackwardInput(dy, t[1], dx, g);
                if (grad(t[1]) is { } dw) Cpu.DepthwiseConv2DBackwardFilter(t[0], dy, dw, g);
            });
        AssertCaught("depthwise_conv2d backward with dilation 1 for 2", make(1), make(2), x, w);
    }

    [Fact]
    public void DilatedConvBackwardWithUndilatedCol2Im()
    {
        var x = TestData.Param(_rng, 3, 2, 5, 7);
        var w = Tensor.RandomNormal(new Shape(3, 2, 3, 3), _rng, dtype: DType.Float64);
        // conv2d, dilation 2, 'same' (pad 2 each side): dx = col2im(Wᵀ·dY'); the wrong one folds with dilation 1.
        Func<Tensor[], Tensor> make(int gradDilation) => t => Recorded("conv2d", t, () => Ops.Conv2D(t[0], w, null, 1, 1, "same", 2, 2), (dy, grad) =>
        {
            if (grad(t[0]) is not { } dx) return;
            var (columns, k) = (3 * 35, 18);
            using var dyT = Tensor.Empty(new Shape(3, columns), DType.Float64);
            Cpu.Transpose01(dy, dyT, 3, 3, 35);
            using var dcol = Tensor.Empty(new Shape(k, columns), DType.Float64);
            Cpu.Gemm(true, false, k, columns, 3, 1, w, dyT, 0, dcol);
            var g = Conv2DGeometry.Create(t[0].Shape, (3, 3), (1, 1), "same", (2, 2), filters: 3) with { DH = gradDilation, DW = gradDilation };
            Cpu.Col2Im(dcol, dx, g);
        });
        AssertCaught("conv2d backward folded with dilation 1 for 2", make(1), make(2), x);
    }

    [Fact]
    public void GlobalMaxPoolBackwardToTheWrongPixel()
    {
        var x = TestData.Param(_rng, 3, 2, 5, 7);
        Func<Tensor[], Tensor> make(bool right) => t => Recorded("global_max_pool2d", t, () => Ops.GlobalMaxPool2D(t[0]), (dy, grad) =>
        {
            if (grad(t[0]) is not { } dx) return;
            using var y = Tensor.Empty(new Shape(3, 2, 1, 1), DType.Float64);
            using var argmax = Tensor.Empty(new Shape(6), DType.Int32);
            Cpu.MaxPool2DForward(t[0].Detach(), y, argmax, new Pool2DGeometry { N = 3, C = 2, H = 5, W = 7, KH = 5, KW = 7, SH = 1, SW = 1, PH = 0, PW = 0, OH = 1, OW = 1 });
            if (!right)
            {
                var a = argmax.Span<int>();
                for (var i = 0; i < a.Length; i++) a[i] = i * 35 + (a[i] - i * 35 + 1) % 35; // the next pixel of the same plane
            }
            Cpu.MaxPool2DBackward(dy, argmax, dx, 6);
        });
        AssertCaught("global_max_pool2d backward to the pixel after the max", make(false), make(true), x);
    }
}
