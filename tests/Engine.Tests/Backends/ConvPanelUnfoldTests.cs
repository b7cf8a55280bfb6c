using System.Runtime.Intrinsics.X86;
using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>ConvPanelUnfold (the per-panel segment packer of the conv backward kernels) writes exactly
/// im2col's values: every panel of every shape compared bitwise with Im2ColFloat, panels of several
/// widths (a GEMM panel of 32, a weight-gradient chunk of 256, odd widths with nc &lt; width), panels
/// crossing images and rows, 'same' / 'valid' / explicit padding, even kernels, 1×1, rows of 1 to 37,
/// and stride 2 (which takes the general packer). Nothing is written past the panel's K·width floats.</summary>
public class ConvPanelUnfoldTests
{
    // (n, c, h, w, kh, kw, stride, padding)
    private static readonly (int N, int C, int H, int W, int KH, int KW, int S, ConvPadding Pad)[] Cases =
    [
        (2, 3, 8, 8, 3, 3, 1, "same"),      // ResNet-like 8-wide rows: 4 rows per 32-wide panel
        (3, 2, 16, 16, 3, 3, 1, "same"),
        (2, 2, 32, 32, 3, 3, 1, "same"),
        (3, 4, 13, 13, 3, 3, 1, "valid"),   // the seed CNN's conv2 plane, 11-wide output rows
        (2, 3, 5, 5, 3, 3, 1, "valid"),     // 3-wide rows: runs cross rows and images inside a panel
        (2, 2, 9, 7, 5, 3, 1, "same"),
        (2, 3, 7, 9, 2, 2, 1, "same"),      // even kernel: padding after the image only
        (3, 5, 6, 5, 1, 1, 1, "valid"),     // 1×1
        (2, 2, 2, 2, 3, 3, 1, "same"),      // kernel larger than the image
        (2, 2, 11, 37, 3, 3, 1, "same"),    // rows longer than a 32-wide panel
        (2, 3, 9, 1, 3, 1, 1, "same"),      // 1-wide rows (many runs: the general packer)
        (3, 2, 8, 8, 3, 3, 2, "same"),      // stride 2: the general packer
        (4, 2, 4, 4, 3, 3, 1, "same"),      // 'same' planes take the dense pieces: 4-wide rows
        (3, 2, 3, 3, 3, 3, 1, "same"),      // 9-pixel images: pieces end at image ends
        (3, 2, 6, 6, 5, 5, 1, "same"),      // 5×5 'same'
        (9, 2, 2, 2, 3, 3, 1, "same"),      // 2×2 planes (ResNet18 layer4)
        (2, 2, 8, 8, 3, 3, 1, 1),           // explicit padding 1 = 'same'
    ];

    /// <summary>The dense pieces read a source laid out as the gradient rows dyT [C][N][P] (images one after
    /// the other, so pieces cross images) exactly as the general packer does, for 'same' planes of 2 to 16
    /// wide; the same panels with the dense path off (row runs) agree too.</summary>
    [Fact]
    public unsafe void DensePiecesOnGradientRowsEqualTheGeneralPacker()
    {
        if (!Avx512F.IsSupported) Assert.Skip("ConvPanelUnfold's own path needs AVX-512.");
        var rng = new Rng(62);
        foreach (var (n, c, h) in new[] { (9, 3, 2), (5, 2, 4), (3, 4, 8), (2, 2, 16), (4, 3, 3) })
        {
            var g = Conv2DGeometry.Create(new Shape(n, c, h, h), (3, 3), (1, 1), "same", filters: 1);
            var pixels = h * h;
            var x = Enumerable.Range(0, (int)g.InputSize).Select(_ => (float)rng.NextNormal()).ToArray();
            x[3] = float.NaN;
            var columns = n * pixels;
            foreach (var width in new[] { 32, 7, 256 })
                for (var j0 = 0; j0 < columns; j0 += width)
                {
                    var nc = Math.Min(width, columns - j0);
                    var k = g.ColumnRows;
                    var general = Enumerable.Repeat(float.NaN, k * width + 40).ToArray();
                    var dense = (float[])general.Clone();
                    var rows = (float[])general.Clone();
                    fixed (float* px = x, pg = general, pd = dense, pr = rows)
                    {
                        var source = new CpuConvGemm.ImageSource(px, g, pixels, (long)n * pixels); // [C][N][P]
                        CpuConvGemm.PackFromImage(source, j0, nc, width, pg);
                        for (var c0 = nc; c0 < width; c0++)
                            for (var p = 0; p < k; p++) pg[p * width + c0] = 0;
                        ConvPanelUnfold.Pack(source, j0, nc, width, pd);
                        ConvPanelUnfold.DenseEnabled = false;
                        try { ConvPanelUnfold.Pack(source, j0, nc, width, pr); }
                        finally { ConvPanelUnfold.DenseEnabled = true; }
                    }
                    for (var i = 0; i < general.Length; i++)
                    {
                        Assert.True(BitConverter.SingleToInt32Bits(general[i]) == BitConverter.SingleToInt32Bits(dense[i]),
                            $"{g} width {width} panel {j0}: [{i}] general {general[i]} dense {dense[i]}");
                        Assert.True(BitConverter.SingleToInt32Bits(general[i]) == BitConverter.SingleToInt32Bits(rows[i]),
                            $"{g} width {width} panel {j0}: [{i}] general {general[i]} row runs {rows[i]}");
                    }
                }
        }
    }

    [Fact]
    public void PanelsEqualIm2Col()
    {
        if (!Avx512F.IsSupported)
            Assert.Skip("ConvPanelUnfold's own path needs AVX-512 (without it every panel goes to the general packer, tested elsewhere).");
        var rng = new Rng(61);
        foreach (var t in Cases)
        {
            var g = Conv2DGeometry.Create(new Shape(t.N, t.C, t.H, t.W), (t.KH, t.KW), (t.S, t.S), t.Pad, filters: 1);
            Assert.Equal(t.S == 1, ConvPanelUnfold.Serves(g));
            var x = Enumerable.Range(0, (int)g.InputSize).Select(_ => (float)rng.NextNormal()).ToArray();
            var columns = g.N * g.OH * g.OW;
            var k = g.ColumnRows;
            using var xt = Tensor.FromArray(x, g.N, g.C, g.H, g.W);
            using var col = Tensor.Empty(new Shape(k, columns));
            CpuBackend.Im2ColFloat(xt, col, g);
            var expected = col.Span<float>().ToArray();
            foreach (var width in new[] { 32, 256, 7 })
                for (var j0 = 0; j0 < columns; j0 += width)
                {
                    var nc = Math.Min(width, columns - j0);
                    var packed = Pack(x, g, j0, nc, width);
                    for (var p = 0; p < k; p++)
                        for (var c = 0; c < width; c++)
                        {
                            var want = c < nc ? expected[(long)p * columns + j0 + c] : 0f;
                            var got = packed[p * width + c];
                            if (BitConverter.SingleToInt32Bits(want) != BitConverter.SingleToInt32Bits(got))
                                Assert.Fail($"{g}, width {width}, panel at {j0} ({nc} columns): row {p}, lane {c} is {got}, im2col has {want}.");
                        }
                    for (var c = k * width; c < packed.Length; c++)
                        Assert.True(float.IsNaN(packed[c]), $"{g}, width {width}, panel at {j0}: wrote past the panel at {c}.");
                }
        }
    }

    /// <summary>Negative control: the comparison sees a one-lane shift (a geometry whose padding is off by
    /// one gives other values), so the test above can fail.</summary>
    [Fact]
    public void ShiftedPaddingIsCaught()
    {
        var g = Conv2DGeometry.Create(new Shape(2, 2, 8, 8), (3, 3), (1, 1), "same", filters: 1);
        var x = Enumerable.Range(1, (int)g.InputSize).Select(v => (float)v).ToArray();
        var right = Pack(x, g, 0, 32, 32);
        var wrong = Pack(x, g with { PW = 0 }, 0, 32, 32);
        Assert.False(right.AsSpan(0, g.ColumnRows * 32).SequenceEqual(wrong.AsSpan(0, g.ColumnRows * 32)));
    }

    /// <summary>Packs one panel into a buffer with 40 NaN floats after the K·width it may write.</summary>
    private static unsafe float[] Pack(float[] x, Conv2DGeometry g, int j0, int nc, int width)
    {
        var packed = Enumerable.Repeat(float.NaN, g.ColumnRows * width + 40).ToArray();
        fixed (float* px = x, pp = packed)
        {
            var source = new CpuConvGemm.ImageSource(px, g, (long)g.C * g.H * g.W, (long)g.H * g.W);
            ConvPanelUnfold.Pack(source, j0, nc, width, pp);
        }
        return packed;
    }
}
