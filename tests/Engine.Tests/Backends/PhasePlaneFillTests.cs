using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>PhasePlaneFill's AVX-512 rows (stride 1 and 2: masked loads, a permute for stride 2) write the
/// same bits as the plain loop into every plane value, for every phase, with the plane sizes the direct
/// conv and the direct weight gradient use and larger or smaller ones; nothing outside the plane is
/// touched; NaN and −0 inputs are copied as they are.</summary>
public unsafe class PhasePlaneFillTests
{
    // (c, h, w, kh, kw, stride, padding: -1 same, -2 valid, else both sides), widths across 16-lane pieces.
    public static readonly TheoryData<int, int, int, int, int, int, int> Shapes = new()
    {
        { 2, 32, 32, 3, 3, 1, -1 },  // ResNet-20 stage 1
        { 2, 16, 16, 3, 3, 1, -1 },
        { 2, 8, 8, 3, 3, 1, -1 },
        { 2, 32, 32, 3, 3, 2, -1 },  // stride-2 entries
        { 2, 16, 16, 3, 3, 2, -1 },
        { 1, 28, 28, 3, 3, 1, -2 },  // seed conv1
        { 2, 13, 13, 3, 3, 1, -2 },
        { 1, 64, 64, 7, 7, 2, 3 },   // ResNet18 stem (padding 3)
        { 1, 9, 47, 5, 3, 2, 2 },
        { 1, 7, 33, 3, 3, 2, 0 },
        { 1, 5, 17, 3, 5, 1, 4 },    // padding wider than the kernel
        { 1, 3, 2, 3, 3, 2, -1 },
        { 1, 6, 40, 3, 3, 3, -1 },   // stride 3: the plain loop
        { 1, 4, 1, 1, 1, 2, -2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void VectorFillEqualsThePlainLoop(int c, int h, int w, int kh, int kw, int stride, int padding)
    {
        var g = Geometry(c, h, w, kh, kw, stride, padding);
        var rng = new Rng(71);
        var x = new float[c * h * w];
        for (var i = 0; i < x.Length; i++) x[i] = (float)rng.NextNormal();
        if (x.Length > 3) (x[1], x[2]) = (float.NaN, -0f);
        // The direct conv's plane size, one column and row short of it, and wider/taller.
        var (hq0, wq0) = (g.OH + (g.KH - 1) / g.SH, g.OW + (g.KW - 1) / g.SW);
        foreach (var (hq, wq) in new[] { (hq0, wq0), (Math.Max(1, hq0 - 1), Math.Max(1, wq0 - 1)), (hq0 + 2, wq0 + 17) })
            for (var ci = 0; ci < c; ci++)
                for (var ph = 0; ph < g.SH; ph++)
                    for (var pw = 0; pw < g.SW; pw++)
                    {
                        var expected = Fill(x, ci, g, ph, pw, hq, wq, vector: false);
                        var actual = Fill(x, ci, g, ph, pw, hq, wq, vector: true);
                        var what = $"{g} channel {ci} phase ({ph}, {pw}) plane {hq}×{wq}";
                        for (var i = 0; i < expected.Length; i++)
                            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                                $"{what}: [{i}] plain {expected[i]} vector {actual[i]}");
                    }
    }

    /// <summary>The comparison sees a plane filled for another phase, and the plain loop puts input values
    /// (not zeros) inside and zeros in the padding.</summary>
    [Fact]
    public void NegativeControls()
    {
        var g = Geometry(1, 16, 16, 3, 3, 2, -1);
        var x = Enumerable.Range(1, 256).Select(i => (float)i).ToArray();
        var (hq, wq) = (g.OH + 1, g.OW + 1);
        var even = Fill(x, 0, g, 0, 0, hq, wq, vector: true);
        var odd = Fill(x, 0, g, 0, 1, hq, wq, vector: true);
        Assert.False(even.AsSpan(0, hq * wq).SequenceEqual(odd.AsSpan(0, hq * wq)), "phases (0, 0) and (0, 1) gave the same plane");
        // 'same' for 16 → 8 with a stride-2 3×3 pads 0 on top/left and 1 on the bottom/right: phase (0, 0) is
        // plane[qy, qx] = x[2·qy, 2·qx], and its last column (input column 16) is padding.
        Assert.Equal((0, 0), (g.PH, g.PW));
        Assert.Equal(x[0], even[0]);
        Assert.Equal(x[2 * 16 + 2], even[1 * wq + 1]);
        Assert.Equal(0f, even[wq - 1]);
    }

    /// <summary>The plane with a NaN guard of 40 floats on each side; asserts the guards stay NaN.</summary>
    private static float[] Fill(float[] x, int channel, in Conv2DGeometry g, int ph, int pw, int hq, int wq, bool vector)
    {
        const int guard = 40;
        var buffer = new float[hq * wq + 2 * guard];
        Array.Fill(buffer, float.NaN);
        fixed (float* px = x, pb = buffer)
        {
            var source = px + channel * g.H * g.W;
            if (vector) PhasePlaneFill.Fill(pb + guard, source, g, ph, pw, hq, wq);
            else PhasePlaneFill.FillScalar(pb + guard, source, g, ph, pw, hq, wq);
        }
        for (var i = 0; i < guard; i++)
        {
            Assert.True(float.IsNaN(buffer[i]), $"{(vector ? "vector" : "plain")} fill wrote before the plane");
            Assert.True(float.IsNaN(buffer[guard + hq * wq + i]), $"{(vector ? "vector" : "plain")} fill wrote past the plane");
        }
        return buffer[guard..(guard + hq * wq)];
    }

    private static Conv2DGeometry Geometry(int c, int h, int w, int kh, int kw, int stride, int padding) =>
        padding switch
        {
            -1 => Conv2DGeometry.Create(new Shape(1, c, h, w), (kh, kw), (stride, stride), "same", filters: 4),
            -2 => Conv2DGeometry.Create(new Shape(1, c, h, w), (kh, kw), (stride, stride), "valid", filters: 4),
            _ => Conv2DGeometry.Create(new Shape(1, c, h, w), (kh, kw), (stride, stride), padding, filters: 4),
        };
}
