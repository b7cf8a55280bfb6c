using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Backends.Cpu;

/// <summary>The hot float32 elementwise loops of the CPU backend, written with Vector&lt;float&gt; (8 or 16
/// lanes) and a scalar tail. Each computes exactly what the plain loop beside it in the comment does,
/// element for element (Sum aside, which adds in a different order).</summary>
internal static class SimdFloat
{
    private static int Width => Vector<float>.Count;

    /// <summary>y[i] = a[i] + b[i]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        var i = 0;
        for (; i <= y.Length - Width; i += Width) (new Vector<float>(a[i..]) + new Vector<float>(b[i..])).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] = a[i] + b[i];
    }

    /// <summary>y[i] = a[i] − b[i]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Subtract(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        var i = 0;
        for (; i <= y.Length - Width; i += Width) (new Vector<float>(a[i..]) - new Vector<float>(b[i..])).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] = a[i] - b[i];
    }

    /// <summary>y[i] = a[i] · b[i]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        var i = 0;
        for (; i <= y.Length - Width; i += Width) (new Vector<float>(a[i..]) * new Vector<float>(b[i..])).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] = a[i] * b[i];
    }

    /// <summary>y[i] += a[i] · b[i] (the backward of a product)</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAccumulate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        var i = 0;
        for (; i <= y.Length - Width; i += Width)
            (new Vector<float>(y[i..]) + new Vector<float>(a[i..]) * new Vector<float>(b[i..])).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] += a[i] * b[i];
    }

    /// <summary>y[i] += alpha · x[i]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        var i = 0;
        for (; i <= y.Length - Width; i += Width) (new Vector<float>(y[i..]) + alpha * new Vector<float>(x[i..])).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] += alpha * x[i];
    }

    /// <summary>y[i] = x[i] · scale + shift</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Affine(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        var shifts = new Vector<float>(shift);
        var i = 0;
        for (; i <= y.Length - Width; i += Width) (new Vector<float>(x[i..]) * scale + shifts).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] = x[i] * scale + shift;
    }

    /// <summary>y[i] = relu(x[i] · scale + shift) (ReLU's rule: v ≤ 0 gives 0, NaN stays NaN)</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AffineRelu(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        var shifts = new Vector<float>(shift);
        var i = 0;
        for (; i <= y.Length - Width; i += Width)
        {
            var v = new Vector<float>(x[i..]) * scale + shifts;
            Vector.ConditionalSelect(Vector.LessThanOrEqual(v, Vector<float>.Zero), Vector<float>.Zero, v).CopyTo(y[i..]);
        }
        for (; i < y.Length; i++)
        {
            var v = x[i] * scale + shift;
            y[i] = v <= 0 ? 0 : v;
        }
    }

    /// <summary>y[i] = relu(a[i] + b[i]) (ReLU's rule: v ≤ 0 gives 0, NaN stays NaN)</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddRelu(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        var i = 0;
        for (; i <= y.Length - Width; i += Width)
        {
            var v = new Vector<float>(a[i..]) + new Vector<float>(b[i..]);
            Vector.ConditionalSelect(Vector.LessThanOrEqual(v, Vector<float>.Zero), Vector<float>.Zero, v).CopyTo(y[i..]);
        }
        for (; i < y.Length; i++)
        {
            var v = a[i] + b[i];
            y[i] = v <= 0 ? 0 : v;
        }
    }

    /// <summary>dz = x[i] &gt; 0 ? dy[i] : 0 into two gradients in one pass: ga = dz (assignA) or ga += dz,
    /// then gb likewise; ga and gb may be one buffer (it then gets both, ga's write first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaskTwice(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> ga, bool assignA, Span<float> gb, bool assignB)
    {
        var i = 0;
        for (; i <= x.Length - Width; i += Width)
        {
            var dz = Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(x[i..]), Vector<float>.Zero), new Vector<float>(dy[i..]), Vector<float>.Zero);
            (assignA ? dz : new Vector<float>(ga[i..]) + dz).CopyTo(ga[i..]);
            (assignB ? dz : new Vector<float>(gb[i..]) + dz).CopyTo(gb[i..]);
        }
        for (; i < x.Length; i++)
        {
            var dz = x[i] > 0 ? dy[i] : 0;
            ga[i] = assignA ? dz : ga[i] + dz;
            gb[i] = assignB ? dz : gb[i] + dz;
        }
    }

    /// <summary>y[i] = x[i] + shift (a bias over one channel's run of values)</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScalar(ReadOnlySpan<float> x, float shift, Span<float> y)
    {
        var shifts = new Vector<float>(shift);
        var i = 0;
        for (; i <= y.Length - Width; i += Width) (new Vector<float>(x[i..]) + shifts).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] = x[i] + shift;
    }

    /// <summary>Σ x[i], in Width interleaved partial sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum(ReadOnlySpan<float> x)
    {
        var sums = Vector<float>.Zero;
        var i = 0;
        for (; i <= x.Length - Width; i += Width) sums += new Vector<float>(x[i..]);
        var sum = Vector.Sum(sums);
        for (; i < x.Length; i++) sum += x[i];
        return sum;
    }

    /// <summary>y[i] = x[i] &lt;= 0 ? 0 : x[i] (NaN stays NaN, as in PyTorch, so TerminateOnNaN sees it)</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        var i = 0;
        for (; i <= y.Length - Width; i += Width)
        {
            var v = new Vector<float>(x[i..]);
            Vector.ConditionalSelect(Vector.LessThanOrEqual(v, Vector<float>.Zero), Vector<float>.Zero, v).CopyTo(y[i..]);
        }
        for (; i < y.Length; i++) y[i] = x[i] <= 0 ? 0 : x[i];
    }

    /// <summary>dx[i] += x[i] &gt; 0 ? dy[i] : 0</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var i = 0;
        for (; i <= dx.Length - Width; i += Width)
        {
            var passed = Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(x[i..]), Vector<float>.Zero), new Vector<float>(dy[i..]), Vector<float>.Zero);
            (new Vector<float>(dx[i..]) + passed).CopyTo(dx[i..]);
        }
        for (; i < dx.Length; i++) dx[i] += x[i] > 0 ? dy[i] : 0;
    }

    /// <summary>y[i] = x[i] &gt; 0 ? dy[i] : 0 (ReLU's backward written once instead of accumulated)</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Mask(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> y)
    {
        var i = 0;
        for (; i <= y.Length - Width; i += Width)
            Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(x[i..]), Vector<float>.Zero), new Vector<float>(dy[i..]), Vector<float>.Zero)
                .CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] = x[i] > 0 ? dy[i] : 0;
    }
}
