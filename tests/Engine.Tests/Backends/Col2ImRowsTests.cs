using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>Col2ImRows (stride-1 col2im summed per 16-wide row piece in registers) against the generic
/// tap-by-tap loop: bitwise, assigning and adding, on 1 and 2 threads.</summary>
[Collection(AllocationCollection.Name)] // sets CpuParallel.ThreadLimit
public class Col2ImRowsTests
{
    public static TheoryData<int, int, int, int, int, int, int, int> Shapes() => new()
    {
        // n, c, h, w, kh, kw, ph, pw
        { 2, 3, 13, 13, 3, 3, 0, 0 },  // the seed CNN's conv2 ('valid', 11-wide dcol rows)
        { 2, 2, 5, 5, 3, 3, 0, 0 },    // its conv3 (3-wide rows)
        { 1, 2, 28, 28, 3, 3, 0, 0 },  // two pieces per row, the second partial
        { 2, 3, 8, 8, 3, 3, 1, 1 },    // 'same'
        { 1, 2, 16, 16, 3, 3, 1, 1 },  // exactly one full piece
        { 1, 2, 17, 33, 5, 5, 2, 2 },  // 5×5, rows of 33 (three pieces)
        { 2, 2, 4, 1, 3, 1, 1, 0 },    // 1-wide rows
        { 1, 3, 7, 9, 2, 3, 0, 1 },    // unequal kernel and padding
        { 2, 4, 6, 6, 1, 1, 0, 0 },    // 1×1
        { 1, 1, 3, 3, 5, 5, 2, 2 },    // kernel larger than the image
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EqualsTheTapByTapLoopBitwise(int n, int c, int h, int w, int kh, int kw, int ph, int pw)
    {
        Assert.SkipUnless(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "Col2ImRows needs AVX-512; this machine takes the tap-by-tap loop");
        var g = Geometry(n, c, h, w, kh, kw, ph, pw);
        Assert.True(Col2ImRows.Applies(g));
        using var col = Column(g, seed: 5);
        var old = OldContents(g);

        using var expected = Tensor.Zeros(new Shape(n, c, h, w));
        CpuBackend.Col2Im<float>(col, expected, g); // the generic loop, from zeros
        using var expectedAdded = Tensor.FromArray(old, n, c, h, w);
        CpuBackend.Col2Im<float>(col, expectedAdded, g); // the generic loop, adding to old contents

        foreach (var threads in new[] { 1, 2 })
        {
            var limit = CpuParallel.ThreadLimit;
            CpuParallel.ThreadLimit = threads;
            try
            {
                using var assigned = Tensor.FromArray(Enumerable.Repeat(float.NaN, old.Length).ToArray(), n, c, h, w);
                CpuBackend.Col2ImFloat(col, assigned, g, assign: true);
                Assert.Equal(Bits(expected), Bits(assigned));
                using var added = Tensor.FromArray(old, n, c, h, w);
                CpuBackend.Col2ImFloat(col, added, g, assign: false);
                Assert.Equal(Bits(expectedAdded), Bits(added));
            }
            finally
            {
                CpuParallel.ThreadLimit = limit;
            }
        }
    }

    [Fact]
    public void NegativeControlAShiftedPaddingIsSeen()
    {
        Assert.SkipUnless(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "Col2ImRows needs AVX-512");
        var g = Geometry(2, 3, 13, 13, 3, 3, 0, 0);
        using var col = Column(g, seed: 6);
        using var expected = Tensor.Zeros(new Shape(2, 3, 13, 13));
        CpuBackend.Col2Im<float>(col, expected, g);
        // The same dcol read as if the padding were one column wider (and the output one wider) must differ.
        var shifted = g with { PW = 1, OW = 13 };
        using var colShifted = Tensor.FromArray(col.ToFloatArray().Concat(new float[3 * 9 * 2 * 11 * 2]).Take(3 * 9 * 2 * 11 * 13).ToArray(), 3 * 9, 2 * 11 * 13);
        using var wrong = Tensor.Zeros(new Shape(2, 3, 13, 13));
        CpuBackend.Col2ImFloat(colShifted, wrong, shifted, assign: true);
        Assert.NotEqual(Bits(expected), Bits(wrong));
    }

    private static Conv2DGeometry Geometry(int n, int c, int h, int w, int kh, int kw, int ph, int pw) => new()
    {
        N = n, C = c, F = c, Groups = 1, H = h, W = w, KH = kh, KW = kw, SH = 1, SW = 1, PH = ph, PW = pw, DH = 1, DW = 1,
        OH = h + 2 * ph - kh + 1, OW = w + 2 * pw - kw + 1,
    };

    private static Tensor Column(Conv2DGeometry g, int seed)
    {
        var rng = new Rng((ulong)seed);
        var rows = g.C * g.KH * g.KW;
        var columns = g.N * g.OH * g.OW;
        // Some exact zeros and −0s among the values, so the sign of zero sums is exercised too.
        var values = Enumerable.Range(0, rows * columns).Select(i => i % 17 == 0 ? -0f : i % 13 == 0 ? 0f : (float)rng.NextNormal()).ToArray();
        return Tensor.FromArray(values, rows, columns);
    }

    private static float[] OldContents(Conv2DGeometry g)
    {
        var rng = new Rng(7);
        return Enumerable.Range(0, g.N * g.C * g.H * g.W).Select(i => i % 5 == 0 ? -0f : (float)rng.NextNormal()).ToArray();
    }

    private static int[] Bits(Tensor t) => t.ToFloatArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}
