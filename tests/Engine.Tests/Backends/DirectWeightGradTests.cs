using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The direct conv kernel gradient (CpuDirectWeightGrad: phase planes, dot products along
/// positions) against the composite im2col then dW += dY'·colᵀ, within float32 rounding (the sums run in
/// another order), and bitwise between one and two threads, on every kernel the machine has. Shapes:
/// C_in 1, 3, 16 and odd; F not a multiple of the register block; widths not multiples of 16; 'same',
/// 'valid', explicit and asymmetric padding; strides 1, 2 and unequal; 1×1, 3×3, 5×3, even and 7×7
/// kernels; K not a multiple of 3 and K above 4096; batch 1 and several, batches of images crossing
/// slices.</summary>
[Collection(AllocationCollection.Name)] // sets CpuParallel.ThreadLimit
public class DirectWeightGradTests
{
    public static readonly TheoryData<string> Kernels = new() { "avx512", "avx2", "scalar" };

    private static IEnumerable<Conv2DGeometry> Geometries()
    {
        yield return Conv2DGeometry.Create(new Shape(2, 3, 9, 7), (3, 3), (1, 1), "same", filters: 5);
        yield return Conv2DGeometry.Create(new Shape(1, 1, 28, 28), (3, 3), (1, 1), "valid", filters: 32);   // seed conv1, batch 1
        yield return Conv2DGeometry.Create(new Shape(6, 1, 28, 28), (3, 3), (1, 1), "valid", filters: 32);   // K = 9, two threads
        yield return Conv2DGeometry.Create(new Shape(3, 7, 13, 13), (3, 3), (1, 1), "valid", filters: 9);
        yield return Conv2DGeometry.Create(new Shape(3, 2, 8, 8), (3, 3), (2, 2), "same", filters: 9);
        yield return Conv2DGeometry.Create(new Shape(2, 4, 5, 37), (3, 3), (1, 1), "valid", filters: 8);
        yield return Conv2DGeometry.Create(new Shape(4, 5, 6, 5), (1, 1), (2, 2), "valid", filters: 3);    // K = 5
        yield return Conv2DGeometry.Create(new Shape(3, 6, 7, 9), (1, 1), (1, 1), "valid", filters: 4);
        yield return Conv2DGeometry.Create(new Shape(2, 2, 11, 10), (5, 3), (2, 2), "same", filters: 17);
        yield return Conv2DGeometry.Create(new Shape(3, 2, 2, 2), (3, 3), (1, 1), "same", filters: 4);     // kernel larger than the image
        yield return Conv2DGeometry.Create(new Shape(2, 3, 7, 9), (2, 2), (1, 1), "same", filters: 4);     // even: pads after only
        yield return Conv2DGeometry.Create(new Shape(2, 3, 9, 10), (3, 3), (2, 2), 1, filters: 7);         // explicit padding
        yield return Conv2DGeometry.Create(new Shape(2, 2, 9, 10), (3, 3), (2, 2), ((2, 0), (0, 3)), filters: 3); // asymmetric
        yield return Conv2DGeometry.Create(new Shape(2, 3, 10, 9), (3, 5), (2, 3), "valid", filters: 4);   // unequal strides
        yield return Conv2DGeometry.Create(new Shape(2, 3, 12, 11), (4, 4), (2, 2), "same", filters: 5);
        yield return Conv2DGeometry.Create(new Shape(2, 3, 22, 22), (7, 7), (2, 2), "valid", filters: 10); // a 7×7 s2 stem
        yield return Conv2DGeometry.Create(new Shape(9, 16, 16, 16), (3, 3), (1, 1), "same", filters: 16); // ResNet-like, several batches
        yield return Conv2DGeometry.Create(new Shape(5, 16, 8, 8), (3, 3), (2, 2), "same", filters: 32);   // stride-2 entry
        yield return Conv2DGeometry.Create(new Shape(5, 16, 8, 8), (1, 1), (2, 2), "same", filters: 32);   // its shortcut
        yield return Conv2DGeometry.Create(new Shape(2, 520, 3, 3), (3, 3), (1, 1), "same", filters: 3);   // K = 4680 > 4096
        // Stride-1 'same' planes whose vectors span several rows, and rows of a vector and a tail.
        yield return Conv2DGeometry.Create(new Shape(5, 9, 8, 8), (3, 3), (1, 1), "same", filters: 11);
        yield return Conv2DGeometry.Create(new Shape(3, 4, 5, 5), (3, 3), (1, 1), "same", filters: 8);
        yield return Conv2DGeometry.Create(new Shape(4, 3, 3, 3), (3, 3), (1, 1), "same", filters: 9);
        yield return Conv2DGeometry.Create(new Shape(2, 2, 17, 17), (5, 5), (1, 1), "same", filters: 3);
        yield return Conv2DGeometry.Create(new Shape(3, 6, 2, 2), (3, 3), (1, 1), "same", filters: 16);
        yield return Conv2DGeometry.Create(new Shape(2, 3, 9, 10), (3, 3), (1, 1), ((2, 0), (0, 3)), filters: 5);
        yield return Conv2DGeometry.Create(new Shape(3, 5, 19, 21), (3, 3), (1, 1), "same", filters: 7);  // rows of 21: a vector and a tail
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EqualsIm2ColThenGemm(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(47);
        foreach (var g in Geometries())
        {
            var (k, columns) = (g.ColumnRows, g.N * g.OH * g.OW);
            using var x = Tensor.FromArray(RandomFloats(rng, (int)g.InputSize), g.N, g.C, g.H, g.W);
            var dyT = RandomFloats(rng, g.F * columns);
            var start = RandomFloats(rng, g.F * k);
            var expected = Composite(x, dyT, g, start);
            var xs = x.Span<float>().ToArray();
            var what = $"{kernel} direct kernel gradient {g}";
            var results = new List<float[]>();
            foreach (var threads in new[] { 1, 2 })
            {
                var dw = (float[])start.Clone();
                WithThreads(threads, () => Run(kernel, dyT, xs, g, dw));
                TestData.AssertClose(Doubles(expected), Doubles(dw), 1e-4, 1e-5, $"{what}, {threads} thread(s)");
                results.Add(dw);
            }
            Assert.True(results[0].AsSpan().SequenceEqual(results[1]), $"{what}: one and two threads differ");
        }
    }

    /// <summary>The one-pass copies (masked expanding loads into the padded planes and the dz rows, AVX-512)
    /// give bitwise the values of the row-by-row copies, on every shape above, on one and two threads.</summary>
    [Fact]
    public void ExpandCopiesEqualRowCopies()
    {
        SkipUnlessSupported("avx512");
        var rng = new Rng(49);
        foreach (var g in Geometries())
        {
            var x = RandomFloats(rng, (int)g.InputSize);
            var dyT = RandomFloats(rng, (int)g.OutputSize);
            var start = RandomFloats(rng, g.F * g.ColumnRows);
            foreach (var threads in new[] { 1, 2 })
            {
                var rows = (float[])start.Clone();
                var expand = (float[])start.Clone();
                WithThreads(threads, () =>
                {
                    try
                    {
                        CpuDirectWeightGrad.ExpandCopies = false;
                        CpuDirectWeightGrad.Run<Avx512DirectWeightGradKernel>(dyT, x, g, rows);
                        CpuDirectWeightGrad.ExpandCopies = true;
                        CpuDirectWeightGrad.Run<Avx512DirectWeightGradKernel>(dyT, x, g, expand);
                    }
                    finally { CpuDirectWeightGrad.ExpandCopies = true; }
                });
                Assert.False(rows.AsSpan().SequenceEqual(start), $"{g}: nothing was added");
                var at = rows.AsSpan().CommonPrefixLength(expand);
                Assert.True(at == rows.Length, $"{g}, {threads} thread(s): expand copies differ from row copies at [{at}]: " +
                    $"{(at < rows.Length ? $"{rows[at]} vs {expand[at]}" : "")}");
            }
        }
    }

    /// <summary>Negative controls: x shifted by one pixel, and dz of the wrong image, fail the comparison;
    /// short buffers and dilated geometries are refused with a message naming what was expected.</summary>
    [Fact]
    public void Controls()
    {
        var rng = new Rng(48);
        var g = Conv2DGeometry.Create(new Shape(2, 3, 9, 7), (3, 3), (1, 1), "same", filters: 5);
        using var x = Tensor.FromArray(RandomFloats(rng, (int)g.InputSize), g.N, g.C, g.H, g.W);
        var dyT = RandomFloats(rng, (int)g.OutputSize);
        var expected = Composite(x, dyT, g, new float[g.F * g.ColumnRows]);
        var xs = x.Span<float>().ToArray();

        var shifted = new float[expected.Length];
        CpuDirectWeightGrad.Run(dyT, xs[1..].Append(0f).ToArray(), g, shifted);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(Doubles(expected), Doubles(shifted), 1e-4, 1e-5, "shifted x"));

        // dyT's columns of image 0 and image 1 swapped per filter.
        var pixels = g.OH * g.OW;
        var swapped = (float[])dyT.Clone();
        for (var f = 0; f < g.F; f++)
            for (var p = 0; p < pixels; p++)
                (swapped[(f * 2) * pixels + p], swapped[(f * 2 + 1) * pixels + p]) = (dyT[(f * 2 + 1) * pixels + p], dyT[(f * 2) * pixels + p]);
        var wrong = new float[expected.Length];
        CpuDirectWeightGrad.Run(swapped, xs, g, wrong);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(Doubles(expected), Doubles(wrong), 1e-4, 1e-5, "images swapped"));

        var right = new float[expected.Length];
        CpuDirectWeightGrad.Run(dyT, xs, g, right);
        TestData.AssertClose(Doubles(expected), Doubles(right), 1e-4, 1e-5, "control's own shape");

        var e = Assert.Throws<ArgumentException>(() => CpuDirectWeightGrad.Run(dyT, xs, g, new float[expected.Length - 1]));
        Assert.Contains("dw ≥", e.Message, StringComparison.Ordinal);
        var dilated = Conv2DGeometry.Create(new Shape(2, 3, 9, 7), (3, 3), (1, 1), "same", (2, 2), filters: 5);
        e = Assert.Throws<ArgumentException>(() => CpuDirectWeightGrad.Run(dyT, xs, dilated, new float[expected.Length]));
        Assert.Contains("undilated", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The shape rule (CpuConvWeightGrad.PrefersDirect): the direct kernel where it computes few
    /// thrown-away positions (kept share ≥ 0.85 on stride 1, or ≥ 0.80 with calls of 32 vectors or more;
    /// ≥ 0.75 strided; 1×1 only with a column stride of 2 on AVX-512, kept ≥ 0.75 and calls of 32 vectors
    /// or more); the implicit-im2col GEMM elsewhere.</summary>
    [Fact]
    public void WhichLayersTakeTheDirectKernel()
    {
        if (!CpuDirectWeightGrad.IsSupported) Assert.Skip("The direct weight-gradient kernels need AVX-512 or AVX2 + FMA.");
        var avx512 = Avx512DirectWeightGradKernel.IsSupported;
        (Shape Input, int F, int K, int S, string Padding, bool Direct)[] layers =
        [
            (new Shape(128, 16, 32, 32), 16, 3, 1, "same", true),   // ResNet-20 stage 1
            (new Shape(128, 32, 16, 16), 32, 3, 1, "same", true),   // stage 2
            (new Shape(128, 64, 8, 8), 64, 3, 1, "same", true),     // stage 3 (kept 0.80, 40 vectors per call)
            (new Shape(128, 16, 32, 32), 32, 3, 2, "same", true),   // entry into stage 2
            (new Shape(128, 32, 16, 16), 64, 3, 2, "same", true),   // entry into stage 3 (strided: kept 0.80 is enough)
            (new Shape(128, 16, 32, 32), 32, 1, 2, "same", avx512), // 1×1 s2 shortcut (the vector fill is AVX-512's)
            (new Shape(128, 32, 16, 16), 64, 1, 2, "same", avx512), // the other one (4 vectors per image, 64 per call)
            (new Shape(32, 64, 16, 16), 128, 1, 2, "same", avx512), // ResNet18's first one (32 per call)
            (new Shape(32, 128, 8, 8), 256, 1, 2, "same", false),   // ResNet18 8×8 → 4×4 shortcut (8 vectors per call)
            (new Shape(32, 256, 4, 4), 512, 1, 2, "same", false),   // ResNet18 4×4 → 2×2 shortcut (kept 0.25)
            (new Shape(16, 32, 16, 16), 32, 1, 1, "same", false),   // 1×1 stride 1
            (new Shape(32, 128, 8, 8), 256, 3, 2, "same", false),   // ResNet18 entry into 4×4 (kept 0.50)
            (new Shape(32, 3, 70, 70), 64, 7, 2, "valid", true),    // ResNet18 stem
            (new Shape(32, 512, 2, 2), 512, 3, 1, "same", false),   // ResNet18 2×2 layer (K = 4608: explicit im2col + GEMM)
            (new Shape(2, 520, 32, 32), 8, 3, 1, "same", true),     // K = 4680 on a wide plane: direct, so fused
            (new Shape(64, 1, 28, 28), 32, 3, 1, "valid", true),    // seed conv1
            (new Shape(64, 32, 13, 13), 64, 3, 1, "valid", true),   // seed conv2 (kept 0.84, 54 vectors per call)
            (new Shape(32, 128, 8, 8), 128, 3, 1, "same", false),   // ResNet18 8×8 layer (kept 0.80, 20 vectors per call)
            (new Shape(32, 256, 4, 4), 256, 3, 1, "same", false),   // ResNet18 4×4 layer (kept 0.44)
            (new Shape(64, 64, 5, 5), 64, 3, 1, "valid", false),    // seed conv3
        ];
        foreach (var (input, f, k, s, padding, direct) in layers)
        {
            var g = Conv2DGeometry.Create(input, (k, k), (s, s), padding, filters: f);
            Assert.True(direct == CpuConvWeightGrad.PrefersDirect(g), $"{g}: direct kernel gradient should be {direct}");
            Assert.True(CpuConvWeightGrad.Prefers(g) == (direct || g.ColumnRows <= CpuConvGemm.MaxK), $"{g}: fused kernel gradient");
        }
        var dilated = Conv2DGeometry.Create(new Shape(2, 16, 32, 32), (3, 3), (1, 1), "same", (2, 2), filters: 16);
        Assert.False(CpuConvWeightGrad.PrefersDirect(dilated));
    }

    /// <summary>dw = start + dY' · im2col(x)ᵀ by the plain GEMM.</summary>
    private static float[] Composite(Tensor x, float[] dyT, in Conv2DGeometry g, float[] start)
    {
        var (k, columns) = (g.ColumnRows, g.N * g.OH * g.OW);
        using var col = Tensor.Empty(new Shape(k, columns));
        CpuBackend.Im2ColFloat(x, col, g);
        var expected = (float[])start.Clone();
        CpuGemm.Sgemm(false, true, g.F, k, columns, 1, dyT, col.Span<float>(), 1, expected);
        return expected;
    }

    private static void Run(string kernel, float[] dyT, float[] x, Conv2DGeometry g, float[] dw)
    {
        switch (kernel)
        {
            case "avx512": CpuDirectWeightGrad.Run<Avx512DirectWeightGradKernel>(dyT, x, g, dw); break;
            case "avx2": CpuDirectWeightGrad.Run<Avx2DirectWeightGradKernel>(dyT, x, g, dw); break;
            default: CpuDirectWeightGrad.Run<ScalarDirectWeightGradKernel>(dyT, x, g, dw); break;
        }
    }

    private static void SkipUnlessSupported(string kernel)
    {
        var supported = kernel switch
        {
            "avx512" => Avx512DirectWeightGradKernel.IsSupported,
            "avx2" => Avx2DirectWeightGradKernel.IsSupported,
            _ => ScalarDirectWeightGradKernel.IsSupported,
        };
        if (!supported) Assert.Skip($"The {kernel} weight-gradient kernel needs instructions this CPU lacks.");
    }

    private static void WithThreads(int threads, Action run)
    {
        var previous = CpuParallel.ThreadLimit;
        try
        {
            CpuParallel.ThreadLimit = threads;
            run();
        }
        finally
        {
            CpuParallel.ThreadLimit = previous;
        }
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();

    private static float[] RandomFloats(Rng rng, int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextNormal()).ToArray();
}
