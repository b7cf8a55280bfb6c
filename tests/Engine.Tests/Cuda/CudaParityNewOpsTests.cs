using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Issue 14's kernels against their CPU twins (float32): padding/cropping, nearest
/// upsampling, the N-d transpose, depthwise and dilated convolution, the extra activations. Odd shapes
/// (batch 3, 7×9 images); backward outputs start from random values, so accumulation is checked.</summary>
[Collection(CudaCollection.Name)]
public class CudaParityNewOpsTests : CudaParityTestBase
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    private const int N = 3, C = 5, H = 7, W = 9;

    [Theory]
    [InlineData(1, 1, 9, 11)]    // padding 1
    [InlineData(0, 2, 8, 12)]    // asymmetric padding
    [InlineData(-1, -2, 4, 5)]   // cropping
    public void Pad2D(int top, int left, int oh, int ow)
    {
        var planes = N * C;
        var x = P.Normal(N, C, H, W);
        var y = P.Normal(N, C, oh, ow);
        var g = new Pad2DGeometry { Planes = planes, H = H, W = W, Top = top, Left = left, OH = oh, OW = ow };
        Cpu.Pad2DForward(x.Cpu, y.Cpu, g);
        P.Gpu.Pad2DForward(x.Gpu, y.Gpu, g);
        Close("pad2d_forward", y.Cpu, y.Gpu, 0, 0);
        var (dy, dx) = (P.Normal(N, C, oh, ow), P.Normal(N, C, H, W));
        Cpu.Pad2DBackward(dy.Cpu, dx.Cpu, g);
        P.Gpu.Pad2DBackward(dy.Gpu, dx.Gpu, g);
        Close("pad2d_backward", dx.Cpu, dx.Gpu);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(1, 3)]
    public void UpSampling2D(int sh, int sw)
    {
        var planes = N * C;
        var x = P.Normal(N, C, H, W);
        var y = P.Normal(N, C, H * sh, W * sw);
        var g = new UpSampling2DGeometry { Planes = planes, H = H, W = W, SH = sh, SW = sw };
        Cpu.UpSampling2DForward(x.Cpu, y.Cpu, g);
        P.Gpu.UpSampling2DForward(x.Gpu, y.Gpu, g);
        Close("up_sampling2d_forward", y.Cpu, y.Gpu, 0, 0);
        var (dy, dx) = (P.Normal(N, C, H * sh, W * sw), P.Normal(N, C, H, W));
        Cpu.UpSampling2DBackward(dy.Cpu, dx.Cpu, g);
        P.Gpu.UpSampling2DBackward(dy.Gpu, dx.Gpu, g);
        Close("up_sampling2d_backward", dx.Cpu, dx.Gpu);
    }

    [Theory]
    [InlineData(new[] { 3, 5, 7 }, new[] { 2, 0, 1 })]
    [InlineData(new[] { 3, 5, 7, 9 }, new[] { 0, 2, 3, 1 })]
    [InlineData(new[] { 2, 3, 1, 4, 5, 2, 1, 3 }, new[] { 7, 3, 0, 5, 1, 6, 2, 4 })]
    public void TransposeNd(int[] shape, int[] perm)
    {
        var x = P.Normal(shape);
        var y = P.Normal(perm.Select(p => shape[p]).ToArray());
        var (d, s) = (Enumerable.Repeat(1, 8).ToArray(), new int[8]);
        var strides = new int[shape.Length];
        for (int a = shape.Length - 1, stride = 1; a >= 0; stride *= shape[a], a--) strides[a] = stride;
        for (var a = 0; a < perm.Length; a++) (d[a], s[a]) = (shape[perm[a]], strides[perm[a]]);
        Cpu.TransposeNd(x.Cpu, y.Cpu, new StridedWalk(d, s));
        P.Gpu.TransposeNd(x.Gpu, y.Gpu, new StridedWalk(d, s));
        Close("transpose_nd", y.Cpu, y.Gpu, 0, 0);
    }

    public static TheoryData<int, int, int, int, int, int, int> DepthwiseWindows() => new()
    {
        // m, k, stride, pad (top = left), dilation, oh, ow
        { 1, 3, 1, 1, 1, 7, 9 },
        { 2, 3, 2, 0, 1, 3, 4 },     // depth multiplier 2, stride 2, 'valid'
        { 1, 3, 1, 2, 2, 7, 9 },     // dilation 2, 'same'
        { 3, 2, 2, 0, 1, 4, 5 },     // even kernel, stride 2, 'same' (padding only after)
        { 1, 1, 1, 0, 1, 7, 9 },
    };

    [Theory]
    [MemberData(nameof(DepthwiseWindows))]
    public void DepthwiseConv2D(int m, int k, int s, int p, int d, int oh, int ow)
    {
        var x = P.Normal(N, C, H, W);
        var filt = P.Normal(C * m, 1, k, k);
        var y = P.Normal(N, C * m, oh, ow);
        var g = new Conv2DGeometry { N = N, C = C, F = C * m, Groups = C, H = H, W = W, KH = k, KW = k, SH = s, SW = s, PH = p, PW = p, DH = d, DW = d, OH = oh, OW = ow };
        Cpu.DepthwiseConv2DForward(x.Cpu, filt.Cpu, y.Cpu, g);
        P.Gpu.DepthwiseConv2DForward(x.Gpu, filt.Gpu, y.Gpu, g);
        Close("depthwise_conv2d_forward", y.Cpu, y.Gpu);
        var (dy, dx, dfilt) = (P.Normal(N, C * m, oh, ow), P.Normal(N, C, H, W), P.Normal(C * m, 1, k, k));
        Cpu.DepthwiseConv2DBackwardInput(dy.Cpu, filt.Cpu, dx.Cpu, g);
        P.Gpu.DepthwiseConv2DBackwardInput(dy.Gpu, filt.Gpu, dx.Gpu, g);
        Close("depthwise_conv2d_backward_input", dx.Cpu, dx.Gpu);
        Cpu.DepthwiseConv2DBackwardFilter(x.Cpu, dy.Cpu, dfilt.Cpu, g);
        P.Gpu.DepthwiseConv2DBackwardFilter(x.Gpu, dy.Gpu, dfilt.Gpu, g);
        Close("depthwise_conv2d_backward_filter", dfilt.Cpu, dfilt.Gpu);
    }

    [Theory]
    [InlineData(3, 1, 2, 2, 7, 9)]   // dilation 2, 'same'
    [InlineData(3, 2, 0, 2, 2, 3)]   // dilation 2, stride 2, 'valid'
    [InlineData(2, 1, 1, 3, 6, 8)]   // dilation 3, padding 1 before
    public void Im2ColAndCol2ImDilated(int k, int s, int p, int d, int oh, int ow)
    {
        var x = P.Normal(N, C, H, W);
        var col = P.Normal(C * k * k, N * oh * ow);
        var g = new Conv2DGeometry { N = N, C = C, F = C, Groups = 1, H = H, W = W, KH = k, KW = k, SH = s, SW = s, PH = p, PW = p, DH = d, DW = d, OH = oh, OW = ow };
        Cpu.Im2Col(x.Cpu, col.Cpu, g);
        P.Gpu.Im2Col(x.Gpu, col.Gpu, g);
        Close("im2col (dilated)", col.Cpu, col.Gpu, 0, 0);
        var (dcol, dx) = (P.Normal(C * k * k, N * oh * ow), P.Normal(N, C, H, W));
        Cpu.Col2Im(dcol.Cpu, dx.Cpu, g);
        P.Gpu.Col2Im(dcol.Gpu, dx.Gpu, g);
        Close("col2im (dilated)", dx.Cpu, dx.Gpu);
    }

    private const int Elements = 3001;

    /// <summary>Inputs over [-8, 8] (both sides of every kink: 0, ±3, 6), including exact kink points.</summary>
    private (Tensor Cpu, Tensor Gpu) Spread() => P.Of(Tensor.FromHost(new Shape(Elements), DType.Float32, null,
        i => i % 97 == 0 ? new[] { 0.0, 3, -3, 6, 1.5 }[i / 97 % 5] : 8 * Math.Sin(i * 0.37)));

    [Theory]
    [InlineData(6.0, 0.0, 0.0)]          // relu6
    [InlineData(double.PositiveInfinity, 0.3, 0.0)]  // leaky_relu
    [InlineData(6.0, 0.1, 1.5)]          // every option
    public void ReluExt(double max, double slope, double threshold)
    {
        var x = Spread();
        var (y, dy, dx) = (P.Normal(Elements), P.Normal(Elements), P.Normal(Elements));
        Cpu.ReluExtForward(x.Cpu, y.Cpu, Elements, max, slope, threshold);
        P.Gpu.ReluExtForward(x.Gpu, y.Gpu, Elements, max, slope, threshold);
        Close("relu_ext_forward", y.Cpu, y.Gpu);
        Cpu.ReluExtBackward(x.Cpu, dy.Cpu, dx.Cpu, Elements, max, slope, threshold);
        P.Gpu.ReluExtBackward(x.Gpu, dy.Gpu, dx.Gpu, Elements, max, slope, threshold);
        Close("relu_ext_backward", dx.Cpu, dx.Gpu);
    }

    [Fact]
    public void EluHardSigmoidHardSwish()
    {
        var x = Spread();
        var (y, dy) = (P.Normal(Elements), P.Normal(Elements));
        void Pair(string name, Action<IBackend, Tensor, Tensor> forward, Action<IBackend, Tensor, Tensor, Tensor> backward)
        {
            forward(Cpu, x.Cpu, y.Cpu);
            forward(P.Gpu, x.Gpu, y.Gpu);
            Close(name + "_forward", y.Cpu, y.Gpu);
            var dx = P.Normal(Elements);
            backward(Cpu, x.Cpu, dy.Cpu, dx.Cpu);
            backward(P.Gpu, x.Gpu, dy.Gpu, dx.Gpu);
            Close(name + "_backward", dx.Cpu, dx.Gpu);
        }
        Pair("elu", (b, a, o) => b.EluForward(a, o, Elements, 0.7), (b, a, g, d) => b.EluBackward(a, g, d, Elements, 0.7));
        Pair("hard_sigmoid", (b, a, o) => b.HardSigmoidForward(a, o, Elements), (b, a, g, d) => b.HardSigmoidBackward(a, g, d, Elements));
        Pair("hard_swish", (b, a, o) => b.HardSwishForward(a, o, Elements), (b, a, g, d) => b.HardSwishBackward(a, g, d, Elements));
    }
}
