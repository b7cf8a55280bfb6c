using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The float32 row-vector depthwise loops (column stride 1) against the plain loops they
/// replace: the forward element for element, the gradients to rounding (they add in another order).
/// Widths around the vector width, row strides 1 and 2, dilation, asymmetric padding, multipliers.</summary>
public class DepthwiseFloatTests
{
    private readonly Rng _rng = new(31);

    public static TheoryData<int, int, int, int, int, int, int, int> Cases() => new()
    {
        // w, m, k, sh, ph, pw, dh, dw
        { 9, 1, 3, 1, 1, 1, 1, 1 },
        { 37, 2, 3, 1, 1, 1, 1, 1 },
        { 37, 1, 3, 2, 0, 1, 1, 1 },    // row stride 2 keeps the row-vector path
        { 21, 3, 5, 1, 4, 4, 2, 2 },    // dilation 2
        { 17, 1, 2, 1, 0, 0, 1, 3 },    // dilation 3 across columns only
        { 40, 1, 3, 1, 0, 2, 1, 1 },    // padding only on the left, more than the kernel reaches on the right
        { 5, 2, 7, 1, 3, 3, 1, 1 },     // kernel wider than the image
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RowLoopsMatchThePlainLoops(int w, int m, int k, int sh, int ph, int pw, int dh, int dw)
    {
        var (n, c, h) = (3, 4, 11);
        var oh = (h + 2 * ph - ((k - 1) * dh + 1)) / sh + 1;
        var ow = w + 2 * pw - ((k - 1) * dw + 1) + 1;
        var x = Tensor.RandomNormal(new Shape(n, c, h, w), _rng);
        var filt = Tensor.RandomNormal(new Shape(c * m, 1, k, k), _rng);
        var dy = Tensor.RandomNormal(new Shape(n, c * m, oh, ow), _rng);

        var g = new Conv2DGeometry { N = n, C = c, F = c * m, Groups = c, H = h, W = w, KH = k, KW = k, SH = sh, SW = 1, PH = ph, PW = pw, DH = dh, DW = dw, OH = oh, OW = ow };
        var (fast, plain) = (Tensor.Zeros(dy.Shape), Tensor.Zeros(dy.Shape));
        CpuBackend.DepthwiseRowsFloat(x, filt, fast, g);
        CpuBackend.Depthwise<float>(x, filt, plain, g);
        Assert.Equal(plain.ToArray<float>(), fast.ToArray<float>());

        var start = Tensor.RandomNormal(x.Shape, _rng);
        var (dxFast, dxPlain) = (start.To(DType.Float32).Detach(), start.To(DType.Float32).Detach());
        CpuBackend.DepthwiseGradInputRowsFloat(dy, filt, dxFast, g);
        CpuBackend.DepthwiseGradInput<float>(dy, filt, dxPlain, g);
        TestData.AssertClose(dxPlain.ToDoubleArray(), dxFast.ToDoubleArray(), 1e-5, 1e-5, "depthwise input gradient");

        var (dfFast, dfPlain) = (Tensor.Ones(filt.Shape), Tensor.Ones(filt.Shape));
        CpuBackend.DepthwiseGradFilterRowsFloat(x, dy, dfFast, g);
        CpuBackend.DepthwiseGradFilter<float>(x, dy, dfPlain, g);
        TestData.AssertClose(dfPlain.ToDoubleArray(), dfFast.ToDoubleArray(), 1e-4, 1e-5, "depthwise filter gradient");
    }
}
