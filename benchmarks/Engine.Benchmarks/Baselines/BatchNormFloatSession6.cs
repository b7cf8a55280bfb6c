using System.Numerics;
using System.Runtime.CompilerServices;

using Engine.Backends.Cpu;

namespace Engine.Benchmarks.Baselines;

/// <summary>Float32 batch normalization over x viewed as [n, c, hw], one channel per work item, with
/// vector loops. The per-channel sums are still taken in double (floats widened lane by lane), so they
/// stay accurate on large batches; only their order differs from a plain loop (lanes, then planes in
/// image order: fixed by the shape, so the split across threads never changes a result). The forward
/// takes mean and variance in one read of x (shifted sums), the backward its two sums in one read of
/// x and dy; the elementwise passes run in float with the per-channel constants rounded once.</summary>
internal static class BatchNormFloatSession6
{
    /// <summary>Training forward: batch mean and biased variance in one pass over x (sums of x − K and
    /// (x − K)² in double around K, the channel's first value, so E[x²] − E[x]² does not cancel when the
    /// mean is large against the spread), y = x·scale + shift, saved mean and 1/std, running statistics
    /// updated as running·momentum + batch·(1 − momentum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar,
        int n, int c, int hw, int ch, double momentum, double eps)
    {
        var (m, variance, inv) = Statistics(x, n, c, hw, ch, eps);

        var scale = gamma[ch] * inv;
        var shift = (float)(beta[ch] - m * scale);
        for (var b = 0; b < n; b++)
        {
            var at = (b * c + ch) * hw;
            SimdFloat.Affine(x.Slice(at, hw), (float)scale, shift, y.Slice(at, hw));
        }
        mean[ch] = (float)m;
        invStd[ch] = (float)inv;
        runningMean[ch] = (float)(runningMean[ch] * momentum + m * (1 - momentum));
        runningVar[ch] = (float)(runningVar[ch] * momentum + variance * (1 - momentum));
    }

    /// <summary>One channel's batch mean, biased variance (as Keras uses for both normalizing and the
    /// moving variance; ≥ 0 against rounding) and 1/std, from shifted sums in one read of x.</summary>
    private static (double Mean, double Variance, double InvStd) Statistics(ReadOnlySpan<float> x, int n, int c, int hw, int ch, double eps)
    {
        var count = (double)n * hw;
        var shift0 = (double)x[ch * hw];
        var (sum, squares) = (0.0, 0.0);
        for (var b = 0; b < n; b++)
        {
            var (s, q) = ShiftedMoments(x.Slice((b * c + ch) * hw, hw), shift0);
            sum += s;
            squares += q;
        }
        var centred = sum / count;
        var variance = Math.Max(squares / count - centred * centred, 0);
        return (shift0 + centred, variance, 1 / Math.Sqrt(variance + eps));
    }

    /// <summary>Backward of one channel, with x̂ = (x − mean)·invStd and m = n·hw values:
    /// dβ = Σ dy, dγ = Σ dy·x̂, dx (+)= γ·invStd·(dy − dβ/m − x̂·dγ/m). With <paramref name="assign"/>
    /// dx is overwritten (it may hold anything), else added to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dgamma, Span<float> dbeta,
        int n, int c, int hw, int ch, bool assign)
    {
        var count = (double)n * hw;
        var mu = (double)mean[ch];
        var inv = (double)invStd[ch];
        var sumDy = 0.0;
        var sumDyCentered = 0.0;
        for (var b = 0; b < n; b++)
        {
            var at = (b * c + ch) * hw;
            var (s, sc) = GradSums(dy.Slice(at, hw), x.Slice(at, hw), mu);
            sumDy += s;
            sumDyCentered += sc;
        }
        var sumDyXhat = sumDyCentered * inv;
        var scale = gamma[ch] * inv;
        // dx = scale·dy − (scale·Σdy/m + k·(x − mean)), k = scale·invStd·dγ/m.
        var a = (float)scale;
        var bias = (float)(scale * sumDy / count);
        var k = (float)(scale * inv * sumDyXhat / count);
        var muF = (float)mu;
        for (var b = 0; b < n; b++)
        {
            var at = (b * c + ch) * hw;
            InputGrad(x.Slice(at, hw), dy.Slice(at, hw), dx.Slice(at, hw), a, bias, k, muF, assign);
        }
        if (!dgamma.IsEmpty) dgamma[ch] += (float)sumDyXhat;
        if (!dbeta.IsEmpty) dbeta[ch] += (float)sumDy;
    }

    /// <summary>The per-channel affine map of the fused batch norm + ReLU, y = relu(x·scale + shift), from
    /// the saved float mean and 1/std: the forward and the backward (which recomputes the ReLU mask from x)
    /// derive it from the same values in the same way, so they agree on every element's mask.</summary>
    public static (float Scale, float Shift) ReluAffine(float gamma, float beta, float mean, float invStd)
    {
        var scale = (float)((double)gamma * invStd);
        return (scale, (float)(beta - (double)mean * scale));
    }

    /// <summary>Training forward of the fused batch norm + ReLU for one channel: the statistics as in
    /// <see cref="Forward"/>, then y = relu(x·scale + shift) in the same pass that applies the affine map.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar,
        int n, int c, int hw, int ch, double momentum, double eps)
    {
        var (m, variance, inv) = Statistics(x, n, c, hw, ch, eps);
        mean[ch] = (float)m;
        invStd[ch] = (float)inv;
        var (scale, shift) = ReluAffine(gamma[ch], beta[ch], mean[ch], invStd[ch]);
        for (var b = 0; b < n; b++)
        {
            var at = (b * c + ch) * hw;
            SimdFloat.AffineRelu(x.Slice(at, hw), scale, shift, y.Slice(at, hw));
        }
        runningMean[ch] = (float)(runningMean[ch] * momentum + m * (1 - momentum));
        runningVar[ch] = (float)(runningVar[ch] * momentum + variance * (1 - momentum));
    }

    /// <summary>Backward of the fused batch norm + ReLU for one channel: with dz = dy where
    /// x·scale + shift &gt; 0 (the forward's ReLU mask, recomputed from x) and 0 elsewhere, exactly
    /// <see cref="Backward"/> applied to dz, without dz ever being written: two reads of x and dy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dgamma, Span<float> dbeta,
        int n, int c, int hw, int ch, bool assign)
    {
        var count = (double)n * hw;
        var mu = (double)mean[ch];
        var inv = (double)invStd[ch];
        var (scaleF, shiftF) = ReluAffine(gamma[ch], beta[ch], mean[ch], invStd[ch]);
        var sumDy = 0.0;
        var sumDyCentered = 0.0;
        for (var b = 0; b < n; b++)
        {
            var at = (b * c + ch) * hw;
            var (s, sc) = MaskedGradSums(dy.Slice(at, hw), x.Slice(at, hw), mu, scaleF, shiftF);
            sumDy += s;
            sumDyCentered += sc;
        }
        var sumDyXhat = sumDyCentered * inv;
        var scale = gamma[ch] * inv;
        var a = (float)scale;
        var bias = (float)(scale * sumDy / count);
        var k = (float)(scale * inv * sumDyXhat / count);
        var muF = (float)mu;
        for (var b = 0; b < n; b++)
        {
            var at = (b * c + ch) * hw;
            MaskedInputGrad(x.Slice(at, hw), dy.Slice(at, hw), dx.Slice(at, hw), a, bias, k, muF, scaleF, shiftF, assign);
        }
        if (!dgamma.IsEmpty) dgamma[ch] += (float)sumDyXhat;
        if (!dbeta.IsEmpty) dbeta[ch] += (float)sumDy;
    }

    /// <summary>(Σ dz, Σ dz·(x − mean)) in double, dz = dy where x·scale + shift &gt; 0, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double SumDy, double SumDyCentered) MaskedGradSums(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, double mean, float scale, float shift)
    {
        var means = new Vector<double>(mean);
        var (vs, vt) = (new Vector<float>(scale), new Vector<float>(shift));
        var (sLo, sHi, cLo, cHi) = (Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero);
        var i = 0;
        for (; i <= x.Length - Width; i += Width)
        {
            var xv = new Vector<float>(x[i..]);
            var dz = Vector.ConditionalSelect(Vector.GreaterThan(xv * vs + vt, Vector<float>.Zero), new Vector<float>(dy[i..]), Vector<float>.Zero);
            Vector.Widen(dz, out var gl, out var gh);
            Vector.Widen(xv, out var xl, out var xh);
            sLo += gl;
            sHi += gh;
            cLo += gl * (xl - means);
            cHi += gh * (xh - means);
        }
        var s = Vector.Sum(sLo + sHi);
        var cs = Vector.Sum(cLo + cHi);
        for (; i < x.Length; i++)
        {
            if (!(x[i] * scale + shift > 0)) continue;
            s += dy[i];
            cs += dy[i] * (x[i] - mean);
        }
        return (s, cs);
    }

    /// <summary>dx (+)= a·dz − (bias + k·(x − mean)), dz = dy where x·scale + shift &gt; 0, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaskedInputGrad(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float a, float bias, float k, float mean,
        float scale, float shift, bool assign)
    {
        var (va, vb, vk, vm) = (new Vector<float>(a), new Vector<float>(bias), new Vector<float>(k), new Vector<float>(mean));
        var (vs, vt) = (new Vector<float>(scale), new Vector<float>(shift));
        var i = 0;
        for (; i <= x.Length - Width; i += Width)
        {
            var xv = new Vector<float>(x[i..]);
            var dz = Vector.ConditionalSelect(Vector.GreaterThan(xv * vs + vt, Vector<float>.Zero), new Vector<float>(dy[i..]), Vector<float>.Zero);
            var g = va * dz - (vb + vk * (xv - vm));
            (assign ? g : new Vector<float>(dx[i..]) + g).CopyTo(dx[i..]);
        }
        for (; i < x.Length; i++)
        {
            var dz = x[i] * scale + shift > 0 ? dy[i] : 0f;
            var g = a * dz - (bias + k * (x[i] - mean));
            dx[i] = assign ? g : dx[i] + g;
        }
    }

    private static int Width => Vector<float>.Count;

    private static (Vector<double> Low, Vector<double> High) Widen(ReadOnlySpan<float> at)
    {
        Vector.Widen(new Vector<float>(at), out var low, out var high);
        return (low, high);
    }

    /// <summary>(Σ (x − k), Σ (x − k)²) in double, one read of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double Sum, double Squares) ShiftedMoments(ReadOnlySpan<float> x, double k)
    {
        var ks = new Vector<double>(k);
        var (sLo, sHi, qLo, qHi) = (Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero);
        var i = 0;
        for (; i <= x.Length - Width; i += Width)
        {
            var (l, h) = Widen(x[i..]);
            l -= ks;
            h -= ks;
            sLo += l;
            sHi += h;
            qLo += l * l;
            qHi += h * h;
        }
        var sum = Vector.Sum(sLo + sHi);
        var squares = Vector.Sum(qLo + qHi);
        for (; i < x.Length; i++)
        {
            var d = x[i] - k;
            sum += d;
            squares += d * d;
        }
        return (sum, squares);
    }

    /// <summary>(Σ dy, Σ dy·(x − mean)) in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double SumDy, double SumDyCentered) GradSums(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, double mean)
    {
        var means = new Vector<double>(mean);
        var (sLo, sHi, cLo, cHi) = (Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero);
        var i = 0;
        for (; i <= x.Length - Width; i += Width)
        {
            var (gl, gh) = Widen(dy[i..]);
            var (xl, xh) = Widen(x[i..]);
            sLo += gl;
            sHi += gh;
            cLo += gl * (xl - means);
            cHi += gh * (xh - means);
        }
        var s = Vector.Sum(sLo + sHi);
        var cs = Vector.Sum(cLo + cHi);
        for (; i < x.Length; i++)
        {
            s += dy[i];
            cs += dy[i] * (x[i] - mean);
        }
        return (s, cs);
    }

    /// <summary>dx (+)= a·dy − (bias + k·(x − mean)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGrad(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float a, float bias, float k, float mean, bool assign)
    {
        var (va, vb, vk, vm) = (new Vector<float>(a), new Vector<float>(bias), new Vector<float>(k), new Vector<float>(mean));
        var i = 0;
        if (assign)
        {
            for (; i <= x.Length - Width; i += Width)
                (va * new Vector<float>(dy[i..]) - (vb + vk * (new Vector<float>(x[i..]) - vm))).CopyTo(dx[i..]);
            for (; i < x.Length; i++) dx[i] = a * dy[i] - (bias + k * (x[i] - mean));
        }
        else
        {
            for (; i <= x.Length - Width; i += Width)
                (new Vector<float>(dx[i..]) + (va * new Vector<float>(dy[i..]) - (vb + vk * (new Vector<float>(x[i..]) - vm)))).CopyTo(dx[i..]);
            for (; i < x.Length; i++) dx[i] += a * dy[i] - (bias + k * (x[i] - mean));
        }
    }
}
