using Engine.Autograd;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>Forward values of convolution, pooling, dropout and batch norm that were worked out by
/// hand (or follow from a definition), independently of the kernels under test.</summary>
public class ForwardValueTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    // A 4x4 image with no linear structure (so different windows give different answers):
    //   1 2 0 1
    //   0 1 3 2
    //   2 1 0 1
    //   1 0 2 3
    private static readonly double[] Image4 = [1, 2, 0, 1, 0, 1, 3, 2, 2, 1, 0, 1, 1, 0, 2, 3];

    // A 3x3 kernel:
    //    1 0 -1
    //    0 2  0
    //   -1 0  1
    private static readonly double[] Kernel3 = [1, 0, -1, 0, 2, 0, -1, 0, 1];

    private static Tensor Img(double[] v, int h, int w) => Tensor.FromArray(v, new Shape(1, 1, h, w));

    [Fact]
    public void Conv3x3ValidWithBias()
    {
        // Each output = x[0,0] - x[0,2] + 2·x[1,1] - x[2,0] + x[2,2] of its window, + bias 0.5:
        //   (0,0): window 1 2 0 / 0 1 3 / 2 1 0 →  1 - 0 + 2·1 - 2 + 0 = 1 → 1.5
        //   (0,1): window 2 0 1 / 1 3 2 / 1 0 1 →  2 - 1 + 2·3 - 1 + 1 = 7 → 7.5
        //   (1,0): window 0 1 3 / 2 1 0 / 1 0 2 →  0 - 3 + 2·1 - 1 + 2 = 0 → 0.5
        //   (1,1): window 1 3 2 / 1 0 1 / 0 2 3 →  1 - 2 + 2·0 - 0 + 3 = 2 → 2.5
        var y = Ops.Conv2D(Img(Image4, 4, 4), Tensor.FromArray(Kernel3, new Shape(1, 1, 3, 3)), Tensor.FromArray([0.5], new Shape(1)));
        Assert.Equal(new Shape(1, 1, 2, 2), y.Shape);
        TestData.AssertClose([1.5, 7.5, 0.5, 2.5], y.ToDoubleArray(), what: "conv 3x3 valid");
    }

    [Fact]
    public void Conv3x3SameKeepsSizeAndPadsWithZeros()
    {
        // 'same', stride 1: one row/column of zeros on every side, output 4x4. Corners by hand:
        //   (0,0): window _ _ _ / _ 1 2 / _ 0 1 → 2·1 + 1·1 = 3           (only x[1,1] and x[2,2] terms inside)
        //   (0,3): window _ _ _ / 0 1 _ / 3 2 _ → 2·1 - 1·3 = -1
        //   (3,0): window _ 2 1 / _ 1 0 / _ _ _ → -1·1 + 2·1 = 1          (x[0,2] and x[1,1] terms)
        //   (3,3): window 0 1 _ / 2 3 _ / _ _ _ → 1·0 + 2·3 = 6           (x[0,0] and x[1,1] terms)
        // and the interior equals the 'valid' result: 1, 7, 0, 2.
        var y = Ops.Conv2D(Img(Image4, 4, 4), Tensor.FromArray(Kernel3, new Shape(1, 1, 3, 3)), null, 1, Padding.Same);
        Assert.Equal(new Shape(1, 1, 4, 4), y.Shape);
        var v = y.ToDoubleArray();
        TestData.AssertClose([3, -1, 1, 6, 1, 7, 0, 2], [v[0], v[3], v[12], v[15], v[5], v[6], v[9], v[10]], what: "conv 3x3 same");
    }

    [Fact]
    public void Conv3x3SameStride2PutsOddPaddingBottomRight()
    {
        // 'same', stride 2 on 4x4: output ceil(4/2) = 2, total padding (2-1)·2 + 3 - 4 = 1, all of it
        // after the image (TensorFlow's rule), so windows start at rows/cols 0 and 2:
        //   (0,0): rows 0-2, cols 0-2 → 1 (as in the valid case)
        //   (0,1): rows 0-2, cols 2-4: 0 1 _ / 3 2 _ / 0 1 _ → 1·0 + 2·2 - 1·0 = 4
        //   (1,0): rows 2-4, cols 0-2: 2 1 0 / 1 0 2 / _ _ _ → 1·2 - 1·0 + 2·0 = 2
        //   (1,1): rows 2-4, cols 2-4: 0 1 _ / 2 3 _ / _ _ _ → 1·0 + 2·3 = 6
        var y = Ops.Conv2D(Img(Image4, 4, 4), Tensor.FromArray(Kernel3, new Shape(1, 1, 3, 3)), null, 2, Padding.Same);
        Assert.Equal(new Shape(1, 1, 2, 2), y.Shape);
        TestData.AssertClose([1, 4, 2, 6], y.ToDoubleArray(), what: "conv 3x3 same stride 2");
    }

    /// <summary>Direct 7-loop convolution with explicit padding: the definition, with no im2col.</summary>
    private static double[] DirectConv(double[] x, double[] w, double[] b, int n, int c, int h, int wd, int f, int kh, int kw,
        int sh, int sw, int ph, int pw, int oh, int ow)
    {
        var y = new double[n * f * oh * ow];
        for (var bi = 0; bi < n; bi++)
            for (var fi = 0; fi < f; fi++)
                for (var oy = 0; oy < oh; oy++)
                    for (var ox = 0; ox < ow; ox++)
                    {
                        var sum = b[fi];
                        for (var ci = 0; ci < c; ci++)
                            for (var i = 0; i < kh; i++)
                                for (var j = 0; j < kw; j++)
                                {
                                    var (iy, ix) = (oy * sh - ph + i, ox * sw - pw + j);
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                                        sum += x[((bi * c + ci) * h + iy) * wd + ix] * w[((fi * c + ci) * kh + i) * kw + j];
                                }
                        y[((bi * f + fi) * oh + oy) * ow + ox] = sum;
                    }
        return y;
    }

    [Theory]
    // n, c, h, w, f, kh, kw, sh, sw, same, expected oh, ow, pad top, pad left
    [InlineData(2, 3, 5, 7, 4, 3, 3, 1, 1, false, 3, 5, 0, 0)]
    [InlineData(2, 3, 5, 7, 4, 3, 3, 2, 2, true, 3, 4, 1, 1)]
    [InlineData(1, 2, 6, 6, 3, 4, 4, 2, 2, true, 3, 3, 1, 1)]   // total pad 2: 1 before, 1 after
    [InlineData(1, 2, 6, 5, 3, 2, 2, 1, 1, true, 6, 5, 0, 0)]   // total pad 1: all after
    [InlineData(3, 1, 3, 3, 2, 7, 7, 1, 1, true, 3, 3, 3, 3)]   // kernel larger than the image
    [InlineData(2, 2, 9, 8, 3, 5, 3, 3, 2, false, 2, 3, 0, 0)]
    public void ConvMatchesDirectLoops(int n, int c, int h, int w, int f, int kh, int kw, int sh, int sw, bool same,
        int oh, int ow, int ph, int pw)
    {
        var rng = new Rng(3);
        var x = Tensor.RandomNormal(new Shape(n, c, h, w), rng, dtype: DType.Float64);
        var k = Tensor.RandomNormal(new Shape(f, c, kh, kw), rng, dtype: DType.Float64);
        var b = Tensor.RandomNormal(new Shape(f), rng, dtype: DType.Float64);
        var expected = DirectConv(x.ToDoubleArray(), k.ToDoubleArray(), b.ToDoubleArray(), n, c, h, w, f, kh, kw, sh, sw, ph, pw, oh, ow);

        var y = Ops.Conv2D(x, k, b, sh, sw, same ? Padding.Same : Padding.Valid);
        Assert.Equal(new Shape(n, f, oh, ow), y.Shape);
        TestData.AssertClose(expected, y.ToDoubleArray(), 1e-12, 1e-12, "conv2d float64 vs direct loops");

        var y32 = Ops.Conv2D(x.To(DType.Float32), k.To(DType.Float32), b.To(DType.Float32), sh, sw, same ? Padding.Same : Padding.Valid);
        Assert.Equal(DType.Float32, y32.DType);
        TestData.AssertClose(expected, y32.ToDoubleArray(), 1e-4, 1e-4, "conv2d float32 vs direct loops");
    }

    [Fact]
    public void MaxPool2x2ValuesAndArgmax()
    {
        // 2x2 blocks of Image4:  [1 2 / 0 1] [0 1 / 3 2] [2 1 / 1 0] [0 1 / 2 3]
        // maxima 2, 3, 2, 3 at flat indices 1 (0,1), 6 (1,2), 8 (2,0), 15 (3,3).
        var y = Ops.MaxPool2D(Img(Image4, 4, 4));
        TestData.AssertClose([2, 3, 2, 3], y.ToDoubleArray(), what: "max pool 2x2");

        var x = Img(Image4, 4, 4);
        var y2 = Tensor.Empty(new Shape(1, 1, 2, 2), DType.Float64);
        var argmax = Tensor.Empty(new Shape(1, 1, 2, 2), DType.Int32);
        Cpu.MaxPool2DForward(x, y2, argmax, new Pool2DGeometry { N = 1, C = 1, H = 4, W = 4, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = 2, OW = 2 });
        Assert.Equal([1, 6, 8, 15], argmax.ToArray<int>());
    }

    [Fact]
    public void MaxPoolArgmaxIsFlatIndexIntoTheWholeBatch()
    {
        // Two images of two channels: plane p holds Image4 + 10·p, so argmax = 16·p + the plane's index.
        var values = Enumerable.Range(0, 4).SelectMany(p => Image4.Select(v => v + 10 * p)).ToArray();
        var x = Tensor.FromArray(values, new Shape(2, 2, 4, 4));
        var y = Tensor.Empty(new Shape(2, 2, 2, 2), DType.Float64);
        var argmax = Tensor.Empty(y.Shape, DType.Int32);
        Cpu.MaxPool2DForward(x, y, argmax, new Pool2DGeometry { N = 2, C = 2, H = 4, W = 4, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = 2, OW = 2 });
        int[] within = [1, 6, 8, 15];
        Assert.Equal(Enumerable.Range(0, 4).SelectMany(p => within.Select(i => 16 * p + i)).ToArray(), argmax.ToArray<int>());
        Assert.Equal(Enumerable.Range(0, 4).SelectMany(p => new double[] { 2, 3, 2, 3 }.Select(v => v + 10 * p)).ToArray(), y.ToDoubleArray());
    }

    [Fact]
    public void AvgPool2x2Values()
    {
        // Block means: (1+2+0+1)/4 = 1, (0+1+3+2)/4 = 1.5, (2+1+1+0)/4 = 1, (0+1+2+3)/4 = 1.5.
        TestData.AssertClose([1, 1.5, 1, 1.5], Ops.AvgPool2D(Img(Image4, 4, 4)).ToDoubleArray(), what: "avg pool 2x2");
    }

    [Fact]
    public void SamePaddingPoolsIgnoreThePadding()
    {
        // 3x3 image 1..9, pool 2, stride 2, 'same': output 2x2, one row/column of padding after.
        //   1 2 3
        //   4 5 6
        //   7 8 9
        // windows {1,2,4,5}, {3,6}, {7,8}, {9}: means 3, 4.5, 7.5, 9 (padding not counted, Keras),
        // maxima 5, 6, 8, 9.
        double[] image = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        TestData.AssertClose([3, 4.5, 7.5, 9], Ops.AvgPool2D(Img(image, 3, 3), 2, null, Padding.Same).ToDoubleArray(), what: "avg pool same");
        TestData.AssertClose([5, 6, 8, 9], Ops.MaxPool2D(Img(image, 3, 3), 2, null, Padding.Same).ToDoubleArray(), what: "max pool same");

        // All negative: a zero from the padding must never win. Maxima -1, -3, -7, -9.
        var negative = image.Select(v => -v).ToArray();
        TestData.AssertClose([-1, -3, -7, -9], Ops.MaxPool2D(Img(negative, 3, 3), 2, null, Padding.Same).ToDoubleArray(), what: "max pool same, negative");
    }

    [Fact]
    public void MaxPoolBackwardAddsUpOverlappingWindows()
    {
        // 3x3 image whose centre (value 9) is the maximum of all four 2x2 stride-1 windows: with
        // dy = 1, 2, 3, 4 the centre gets 10 and everything else 0.
        var x = Img([1, 2, 3, 4, 9, 5, 6, 7, 8], 3, 3);
        x.RequiresGrad = true;
        var y = Ops.MaxPool2D(x, 2, 1);
        TestData.AssertClose([9, 9, 9, 9], y.ToDoubleArray(), what: "max pool stride 1");
        Ops.Sum(Ops.Mul(y, Tensor.FromArray(new double[] { 1, 2, 3, 4 }, new Shape(1, 1, 2, 2)))).Backward();
        TestData.AssertClose([0, 0, 0, 0, 10, 0, 0, 0, 0], x.Grad!.ToDoubleArray(), what: "max pool dx");
    }

    [Fact]
    public void AvgPoolBackwardSharesByWindowCount()
    {
        // 3x3, pool 2, stride 2, 'same': windows hold 4, 2, 2 and 1 pixels, so with dy = 1 every pixel
        // gets 1/count of its (only) window: 1/4 in the top-left block, 1/2 on the edges, 1 in the corner.
        var x = Img([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3);
        x.RequiresGrad = true;
        Ops.Sum(Ops.AvgPool2D(x, 2, null, Padding.Same)).Backward();
        TestData.AssertClose([0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1], x.Grad!.ToDoubleArray(), what: "avg pool dx");
    }

    [Fact]
    public void GlobalAvgPoolIsThePlaneMean()
    {
        var x = Tensor.FromArray(Image4.Concat(Image4.Select(v => 2 * v)).ToArray(), new Shape(1, 2, 4, 4));
        // Σ Image4 = 20, so the means are 20/16 = 1.25 and 2.5.
        var y = Ops.GlobalAvgPool2D(x);
        Assert.Equal(new Shape(1, 2), y.Shape);
        TestData.AssertClose([1.25, 2.5], y.ToDoubleArray(), what: "global avg pool");
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void DropoutMaskStatistics(double rate)
    {
        const int n = 10_000;
        const ulong seed = 12345;
        var x = Tensor.Ones(new Shape(100, 100));
        var y = Ops.Dropout(x, rate, training: true, seed).ToArray<float>();
        var keep = (float)(1 / (1 - rate));
        var dropped = 0;
        for (var i = 0; i < n; i++)
        {
            // The mask is exactly the documented counter-based rule, element by element.
            var drop = CounterRng.Uniform(seed, (uint)i) < rate;
            Assert.Equal(drop ? 0f : keep, y[i]);
            if (drop) dropped++;
        }
        // Binomial(10000, rate): the standard deviation of the fraction is at most 0.005.
        Assert.InRange(dropped / (double)n, rate - 0.025, rate + 0.025);
    }

    [Fact]
    public void DropoutSeedsAndModes()
    {
        var x = Tensor.RandomNormal(new Shape(3, 1000), new Rng(1));
        var a = Ops.Dropout(x, 0.5, true, 7).ToArray<float>();
        Assert.Equal(a, Ops.Dropout(x, 0.5, true, 7).ToArray<float>());
        Assert.NotEqual(a, Ops.Dropout(x, 0.5, true, 8).ToArray<float>());
        Assert.Same(x, Ops.Dropout(x, 0.5, training: false, 7));
        Assert.Same(x, Ops.Dropout(x, 0, training: true, 7));
        var mean = Ops.Mean(Ops.Dropout(Tensor.Ones(new Shape(100, 100), DType.Float64), 0.25, true, 3)).Item();
        Assert.InRange(mean, 0.95, 1.05); // inverted dropout keeps the expectation
    }

    [Theory]
    [InlineData(new[] { 64, 3 })]
    [InlineData(new[] { 8, 3, 5, 7 })]
    public void BatchNormTrainingNormalizesAndUpdatesRunningStats(int[] shape)
    {
        var rng = new Rng(9);
        var (n, c) = (shape[0], shape[1]);
        var hw = new Shape(shape).Product(2, shape.Length);
        // Channel ch has mean 3·ch - 2 and standard deviation ch + 0.5.
        var x = Tensor.FromHost(new Shape(shape), DType.Float64, null, i =>
        {
            var ch = i / hw % c;
            return 3 * ch - 2 + (ch + 0.5) * rng.NextNormal();
        });
        double[] gamma = [1, 2, 0.5], beta = [0, -1, 3];
        var runningMean = Tensor.FromArray(new double[] { 0.5, 0.5, 0.5 });
        var runningVar = Tensor.FromArray(new double[] { 2, 2, 2 });
        const double momentum = 0.9, eps = 1e-3;

        var y = Ops.BatchNorm(x, Tensor.FromArray(gamma), Tensor.FromArray(beta), runningMean, runningVar, true, momentum, eps).ToDoubleArray();

        var xs = x.ToDoubleArray();
        for (var ch = 0; ch < c; ch++)
        {
            var idx = Enumerable.Range(0, n * hw).Select(k => (k / hw * c + ch) * hw + k % hw).ToArray();
            var (xMean, xVar) = MeanVar(idx.Select(i => xs[i]));
            var (yMean, yVar) = MeanVar(idx.Select(i => y[i]));
            // (y - beta)/gamma has mean 0 and variance var/(var + eps) (biased variance throughout).
            Assert.Equal(beta[ch], yMean, 1e-9);
            Assert.Equal(gamma[ch] * gamma[ch] * xVar / (xVar + eps), yVar, 1e-9);
            Assert.Equal(0.5 * momentum + xMean * (1 - momentum), runningMean[ch], 1e-12);
            Assert.Equal(2 * momentum + xVar * (1 - momentum), runningVar[ch], 1e-12);
        }
    }

    private static (double Mean, double Var) MeanVar(IEnumerable<double> values)
    {
        var v = values.ToArray();
        var mean = v.Average();
        return (mean, v.Select(a => (a - mean) * (a - mean)).Average());
    }

    [Fact]
    public void BatchNormTrainingFloat32MatchesFloat64()
    {
        var x = Tensor.RandomNormal(new Shape(16, 5, 6, 6), new Rng(4), mean: 2, std: 3, dtype: DType.Float64);
        var g = Tensor.RandomNormal(new Shape(5), new Rng(5), dtype: DType.Float64);
        var b = Tensor.RandomNormal(new Shape(5), new Rng(6), dtype: DType.Float64);
        var (rm64, rv64) = (Tensor.Zeros(new Shape(5), DType.Float64), Tensor.Ones(new Shape(5), DType.Float64));
        var (rm32, rv32) = (Tensor.Zeros(new Shape(5)), Tensor.Ones(new Shape(5)));
        var y64 = Ops.BatchNorm(x, g, b, rm64, rv64, true);
        var y32 = Ops.BatchNorm(x.To(DType.Float32), g.To(DType.Float32), b.To(DType.Float32), rm32, rv32, true);
        TestData.AssertClose(y64.ToDoubleArray(), y32.ToDoubleArray(), 1e-5, 1e-5, "batch norm float32");
        TestData.AssertClose(rv64.ToDoubleArray(), rv32.ToDoubleArray(), 1e-6, 1e-6, "running variance float32");
    }

    [Fact]
    public void BatchNormInferenceUsesRunningStats()
    {
        // y = gamma·(x - mean)/sqrt(var + eps) + beta with mean (1, -2), var (3, 0.24), eps 0.01,
        // gamma (2, 1), beta (0.5, 0): channel 0 divides by sqrt(3.01), channel 1 by sqrt(0.25) = 0.5.
        var x = Tensor.FromArray(new double[] { 1, 0, 4, -1 }, new Shape(2, 2));
        var rm = Tensor.FromArray(new double[] { 1, -2 });
        var rv = Tensor.FromArray(new double[] { 3, 0.24 });
        var y = Ops.BatchNorm(x, Tensor.FromArray(new double[] { 2, 1 }), Tensor.FromArray(new double[] { 0.5, 0 }), rm, rv, false, epsilon: 0.01);
        var s = Math.Sqrt(3.01);
        // [0,0]: 2·(1-1)/s + 0.5 = 0.5;  [0,1]: (0+2)/0.5 = 4;  [1,0]: 2·3/s + 0.5;  [1,1]: (-1+2)/0.5 = 2
        TestData.AssertClose([0.5, 4, 6 / s + 0.5, 2], y.ToDoubleArray(), what: "batch norm inference");
        TestData.AssertClose([1, -2, 3, 0.24], [rm[0], rm[1], rv[0], rv[1]], what: "running stats untouched by inference");
    }

    [Theory]
    // n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow
    [InlineData(2, 3, 5, 7, 3, 3, 1, 1, 1, 1, 5, 7)]
    [InlineData(3, 2, 5, 7, 3, 3, 2, 2, 1, 1, 3, 4)]
    [InlineData(1, 2, 6, 5, 2, 3, 2, 1, 0, 1, 3, 5)]
    [InlineData(2, 1, 4, 4, 7, 7, 1, 1, 3, 3, 4, 4)]
    [InlineData(2, 3, 5, 7, 5, 2, 3, 2, 0, 0, 1, 3)]
    public void Col2ImIsTheAdjointOfIm2Col(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
    {
        var rng = new Rng(17);
        var x = Tensor.RandomNormal(new Shape(n, c, h, w), rng, dtype: DType.Float64);
        var colShape = new Shape(c * kh * kw, n * oh * ow);
        var other = Tensor.RandomNormal(colShape, rng, dtype: DType.Float64);
        var col = Tensor.Full(colShape, double.NaN, DType.Float64); // Im2Col must overwrite every entry
        var g = new Conv2DGeometry { N = n, C = c, F = c, Groups = 1, H = h, W = w, KH = kh, KW = kw, SH = sh, SW = sw, PH = ph, PW = pw, DH = 1, DW = 1, OH = oh, OW = ow };
        Cpu.Im2Col(x, col, g);
        var back = Tensor.Zeros(x.Shape, DType.Float64);
        Cpu.Col2Im(other, back, g);

        // <Im2Col(x), c> == <x, Col2Im(c)>
        var lhs = Dot(col.ToDoubleArray(), other.ToDoubleArray());
        var rhs = Dot(x.ToDoubleArray(), back.ToDoubleArray());
        Assert.False(double.IsNaN(lhs));
        Assert.Equal(lhs, rhs, 1e-9 * (1 + Math.Abs(lhs)));
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    [Fact]
    public void Im2ColLayoutIsGlobal()
    {
        // col[(ci·kh + i)·kw + j, (b·oh + y)·ow + x] = x[b, ci, y·sh - ph + i, x·sw - pw + j] (0 outside).
        var (n, c, h, w, kh, kw, sh, sw, ph, pw) = (2, 2, 4, 5, 3, 2, 2, 1, 1, 0);
        var (oh, ow) = (2, 4);
        var xv = Enumerable.Range(1, n * c * h * w).Select(v => (double)v).ToArray();
        var col = Tensor.Empty(new Shape(c * kh * kw, n * oh * ow), DType.Float64);
        var g = new Conv2DGeometry { N = n, C = c, F = c, Groups = 1, H = h, W = w, KH = kh, KW = kw, SH = sh, SW = sw, PH = ph, PW = pw, DH = 1, DW = 1, OH = oh, OW = ow };
        Cpu.Im2Col(Tensor.FromArray(xv, new Shape(n, c, h, w)), col, g);
        var cv = col.ToDoubleArray();
        for (var b = 0; b < n; b++)
            for (var ci = 0; ci < c; ci++)
                for (var i = 0; i < kh; i++)
                    for (var j = 0; j < kw; j++)
                        for (var y = 0; y < oh; y++)
                            for (var xo = 0; xo < ow; xo++)
                            {
                                var (iy, ix) = (y * sh - ph + i, xo * sw - pw + j);
                                var expected = iy >= 0 && iy < h && ix >= 0 && ix < w ? xv[((b * c + ci) * h + iy) * w + ix] : 0;
                                Assert.Equal(expected, cv[((ci * kh + i) * kw + j) * (n * oh * ow) + (b * oh + y) * ow + xo]);
                            }
    }

    [Fact]
    public void LargeFloat32CallsMatchFloat64()
    {
        // Big enough for the kernels' parallel path; float32 must agree with the float64 reference.
        var (n, c, h, w, k) = (8, 16, 20, 20, 3);
        var x64 = Tensor.RandomNormal(new Shape(n, c, h, w), new Rng(8), dtype: DType.Float64);
        var x32 = x64.To(DType.Float32);
        var colShape = new Shape(c * k * k, n * h * w);
        var (c64, c32) = (Tensor.Empty(colShape, DType.Float64), Tensor.Empty(colShape));
        var g = Conv2DGeometry.Create(x64.Shape, (k, k), (1, 1), "same");
        Cpu.Im2Col(x64, c64, g);
        Cpu.Im2Col(x32, c32, g);
        TestData.AssertClose(c64.ToDoubleArray(), c32.ToDoubleArray(), 1e-6, 1e-6, "im2col float32");
        var (d64, d32) = (Tensor.Zeros(x64.Shape, DType.Float64), Tensor.Zeros(x64.Shape));
        Cpu.Col2Im(c64, d64, g);
        Cpu.Col2Im(c32, d32, g);
        TestData.AssertClose(d64.ToDoubleArray(), d32.ToDoubleArray(), 1e-5, 1e-5, "col2im float32");

        TestData.AssertClose(Ops.MaxPool2D(x64, 3, 2, Padding.Same).ToDoubleArray(), Ops.MaxPool2D(x32, 3, 2, Padding.Same).ToDoubleArray(), 1e-6, 1e-6, "max pool float32");
        TestData.AssertClose(Ops.AvgPool2D(x64, 3, 2, Padding.Same).ToDoubleArray(), Ops.AvgPool2D(x32, 3, 2, Padding.Same).ToDoubleArray(), 1e-5, 1e-5, "avg pool float32");
    }
}
