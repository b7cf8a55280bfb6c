using Engine.Backends;

namespace Engine.Tests.Cuda;

/// <summary>im2col/col2im and pooling on odd images (batch 3, 5 channels, 7x9) with stride and padding variants.</summary>
[Collection(CudaCollection.Name)]
public class CudaParityConvTests : CudaParityTestBase
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    private const int N = 3, C = 5, H = 7, W = 9;

    public static TheoryData<int, int, int, int, int, int> Windows() => new()
    {
        { 3, 3, 2, 2, 1, 1 },     // stride 2, padding 1
        { 3, 3, 1, 1, 1, 1 },     // 'same'
        { 2, 3, 1, 2, 0, 1 },     // rectangular window, mixed strides
        { 1, 1, 1, 1, 0, 0 },     // pointwise
        { 5, 5, 1, 1, 2, 2 },     // large 'same'
        { 2, 2, 2, 2, 0, 0 },     // classic 2x2 pooling (W = 9 leaves a column out)
    };

    private static (int Oh, int Ow) Out(int kh, int kw, int sh, int sw, int ph, int pw) => ((H + 2 * ph - kh) / sh + 1, (W + 2 * pw - kw) / sw + 1);

    [Theory]
    [MemberData(nameof(Windows))]
    public void Im2ColAndCol2Im(int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var (oh, ow) = Out(kh, kw, sh, sw, ph, pw);
        var x = P.Normal(N, C, H, W);
        var col = P.Normal(C * kh * kw, N * oh * ow);
        var g = new Conv2DGeometry { N = N, C = C, F = C, Groups = 1, H = H, W = W, KH = kh, KW = kw, SH = sh, SW = sw, PH = ph, PW = pw, DH = 1, DW = 1, OH = oh, OW = ow };
        Cpu.Im2Col(x.Cpu, col.Cpu, g);
        P.Gpu.Im2Col(x.Gpu, col.Gpu, g);
        Close("im2col", col.Cpu, col.Gpu, 0, 0);
        var dcol = P.Normal(C * kh * kw, N * oh * ow);
        var dx = P.Normal(N, C, H, W);
        Cpu.Col2Im(dcol.Cpu, dx.Cpu, g);
        P.Gpu.Col2Im(dcol.Gpu, dx.Gpu, g);
        Close("col2im", dx.Cpu, dx.Gpu);
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void MaxPool(int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var (oh, ow) = Out(kh, kw, sh, sw, ph, pw);
        var x = P.Normal(N, C, H, W);
        var (y, argmax) = (P.Normal(N, C, oh, ow), P.Ints(N * C * oh * ow, 1));
        var g = new Pool2DGeometry { N = N, C = C, H = H, W = W, KH = kh, KW = kw, SH = sh, SW = sw, PH = ph, PW = pw, OH = oh, OW = ow };
        Cpu.MaxPool2DForward(x.Cpu, y.Cpu, argmax.Cpu, g);
        P.Gpu.MaxPool2DForward(x.Gpu, y.Gpu, argmax.Gpu, g);
        Close("max_pool2d_forward", y.Cpu, y.Gpu, 0, 0);
        Assert.Equal(argmax.Cpu.ToArray<int>(), argmax.Gpu.ToArray<int>());
        var (dy, dx) = (P.Normal(N, C, oh, ow), P.Normal(N, C, H, W));
        var total = N * C * oh * ow;
        Cpu.MaxPool2DBackward(dy.Cpu, argmax.Cpu, dx.Cpu, total);
        P.Gpu.MaxPool2DBackward(dy.Gpu, argmax.Gpu, dx.Gpu, total);
        Close("max_pool2d_backward", dx.Cpu, dx.Gpu);
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void AvgPool(int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var (oh, ow) = Out(kh, kw, sh, sw, ph, pw);
        var x = P.Normal(N, C, H, W);
        var y = P.Normal(N, C, oh, ow);
        var g = new Pool2DGeometry { N = N, C = C, H = H, W = W, KH = kh, KW = kw, SH = sh, SW = sw, PH = ph, PW = pw, OH = oh, OW = ow };
        Cpu.AvgPool2DForward(x.Cpu, y.Cpu, g);
        P.Gpu.AvgPool2DForward(x.Gpu, y.Gpu, g);
        Close("avg_pool2d_forward", y.Cpu, y.Gpu);
        var (dy, dx) = (P.Normal(N, C, oh, ow), P.Normal(N, C, H, W));
        Cpu.AvgPool2DBackward(dy.Cpu, dx.Cpu, g);
        P.Gpu.AvgPool2DBackward(dy.Gpu, dx.Gpu, g);
        Close("avg_pool2d_backward", dx.Cpu, dx.Gpu);
    }

    [Theory]
    [InlineData(false, false, 1e-4, 1e-3)]
    [InlineData(true, false, 1e-4, 1e-3)]
    [InlineData(false, true, 1e-4, 1e-3)]
    [InlineData(true, true, 1e-4, 1e-3)]
    public void Gemm(bool transA, bool transB, double atol, double rtol)
    {
        var (m, n, k) = (37, 29, 53);
        var a = transA ? P.Normal(k, m) : P.Normal(m, k);
        var b = transB ? P.Normal(n, k) : P.Normal(k, n);
        var c = P.Normal(m, n);
        Cpu.Gemm(transA, transB, m, n, k, 0.5, a.Cpu, b.Cpu, 1, c.Cpu);
        P.Gpu.Gemm(transA, transB, m, n, k, 0.5, a.Gpu, b.Gpu, 1, c.Gpu);
        Close($"gemm transA={transA} transB={transB}", c.Cpu, c.Gpu, atol, rtol);
    }

    /// <summary>TF32 keeps 10 mantissa bits per product, so its stated tolerance is 2e-2 + 1e-2·|c| for k = 53.</summary>
    [Fact]
    public void GemmTf32WithinItsOwnTolerance()
    {
        var (m, n, k) = (64, 48, 53);
        var (a, b, c) = (P.Normal(m, k), P.Normal(k, n), P.Normal(m, n));
        Cpu.Gemm(false, false, m, n, k, 1, a.Cpu, b.Cpu, 0, c.Cpu);
        P.Gpu.AllowTf32 = true;
        try
        {
            P.Gpu.Gemm(false, false, m, n, k, 1, a.Gpu, b.Gpu, 0, c.Gpu);
        }
        finally
        {
            P.Gpu.AllowTf32 = false;
        }
        Close("gemm tf32", c.Cpu, c.Gpu, 2e-2, 1e-2);
    }
}
