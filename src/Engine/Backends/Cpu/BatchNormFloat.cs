using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>Float32 batch normalization over x viewed as [n, c, hw], with vector loops. A work item is a group
/// of consecutive channels (<see cref="GroupSize"/>), walked image by image: in each image the group's
/// channels are one contiguous run (≥ 8 KB where the shape allows), so the passes stream like a plain
/// elementwise loop instead of hopping between 256 B planes that sit a power-of-two stride apart (on
/// ResNet's 8×8 stage those hops and their cache-set conflicts cost more than the data). Each pass
/// prefetches the next image's run. Per channel, the sums are taken in double (floats widened lane by
/// lane) in vector accumulators that live across all of the channel's planes (one horizontal sum per
/// channel, not per plane), plus one scalar accumulator for the planes' tails; a channel's operations
/// run in the same order whatever the group size or the thread split, so neither changes a result.
/// The forward takes mean and variance in one read of x, the backward its two sums in one read of x and
/// dy; the elementwise passes run in float with the per-channel constants rounded once.</summary>
internal static unsafe class BatchNormFloat
{
    /// <summary>Floats per cache line: the loops step one line at a time and prefetch one line per step.</summary>
    private const int Line = 16;

    /// <summary>Floats a group's run should reach (8 KB) for the passes to stream.</summary>
    private const int RunFloats = 2048;

    /// <summary>Tests: a fixed group size (any size gives the same bits).</summary>
    internal static int? GroupSizeOverride { get; set; }

    private static int Width => Vector<float>.Count;

    /// <summary>Channels per work item: enough for an 8 KB run per image, at most 64 (the accumulators
    /// live on the stack) and at most a quarter of the channels, so both cores get work and can balance.</summary>
    public static int GroupSize(int c, int hw) =>
        GroupSizeOverride is { } g ? Math.Clamp(g, 1, c) : Math.Clamp((RunFloats + hw - 1) / hw, 1, Math.Max(1, Math.Min(64, (c + 3) / 4)));

    /// <summary>Work items for <paramref name="c"/> channels in groups of <paramref name="groupSize"/>.</summary>
    public static int Groups(int c, int groupSize) => (c + groupSize - 1) / groupSize;

    /// <summary>Training forward of the channels [group·size, …): batch mean and biased variance in one
    /// pass over x (sums of x − K and (x − K)² in double around K, the channel's first value, so
    /// E[x²] − E[x]² does not cancel when the mean is large against the spread), y = act(x·scale + shift),
    /// saved mean and 1/std, running statistics updated as running·momentum + batch·(1 − momentum). With
    /// <paramref name="relu"/> the map is the fused batch norm + ReLU's (<see cref="ReluAffine"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar,
        int n, int c, int hw, int group, int size, double momentum, double eps, bool relu)
    {
        var w = new Walk(n, c, hw, group, size);
        var sums = stackalloc Vector<double>[4 * w.G];
        var tails = stackalloc double[2 * w.G];
        var scales = stackalloc float[2 * w.G];
        fixed (float* px = x, py = y)
        {
            Moments(px, w, sums, tails);
            for (var g = 0; g < w.G; g++)
            {
                var ch = w.Ch0 + g;
                var k = (double)px[(long)ch * hw];
                var sum = tails[2 * g] + Vector.Sum(sums[4 * g] + sums[4 * g + 1]);
                var squares = tails[2 * g + 1] + Vector.Sum(sums[4 * g + 2] + sums[4 * g + 3]);
                var count = (double)n * hw;
                var centred = sum / count;
                var variance = Math.Max(squares / count - centred * centred, 0);
                var (m, inv) = (k + centred, 1 / Math.Sqrt(variance + eps));
                mean[ch] = (float)m;
                invStd[ch] = (float)inv;
                if (relu) (scales[2 * g], scales[2 * g + 1]) = ReluAffine(gamma[ch], beta[ch], mean[ch], invStd[ch]);
                else
                {
                    var scale = gamma[ch] * inv;
                    (scales[2 * g], scales[2 * g + 1]) = ((float)scale, (float)(beta[ch] - m * scale));
                }
                runningMean[ch] = (float)(runningMean[ch] * momentum + m * (1 - momentum));
                runningVar[ch] = (float)(runningVar[ch] * momentum + variance * (1 - momentum));
            }
            if (relu) Apply<Relu>(px, py, w, scales);
            else Apply<Identity>(px, py, w, scales);
        }
    }

    /// <summary>The per-channel affine map of the fused batch norm + ReLU, y = relu(x·scale + shift), from
    /// the saved float mean and 1/std: the forward and the backward (which recomputes the ReLU mask from x)
    /// derive it from the same values in the same way, so they agree on every element's mask.</summary>
    public static (float Scale, float Shift) ReluAffine(float gamma, float beta, float mean, float invStd)
    {
        var scale = (float)((double)gamma * invStd);
        return (scale, (float)(beta - (double)mean * scale));
    }

    /// <summary>Backward of the channels [group·size, …), with x̂ = (x − mean)·invStd and m = n·hw values
    /// per channel: dβ = Σ dz, dγ = Σ dz·x̂, dx (+)= γ·invStd·(dz − dβ/m − x̂·dγ/m), where dz = dy, or with
    /// <paramref name="relu"/> (the fused batch norm + ReLU) dy where x·scale + shift &gt; 0 (the forward's
    /// ReLU mask, recomputed from x) and 0 elsewhere, never written. With <paramref name="assign"/> dx is
    /// overwritten (it may hold anything), else added to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dgamma, Span<float> dbeta,
        int n, int c, int hw, int group, int size, bool assign, bool relu)
    {
        if (relu) Backward<ReluMask>(x, dy, gamma, beta, mean, invStd, dx, dgamma, dbeta, n, c, hw, group, size, assign);
        else Backward<NoMask>(x, dy, gamma, beta, mean, invStd, dx, dgamma, dbeta, n, c, hw, group, size, assign);
    }

    private static void Backward<TMask>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dgamma, Span<float> dbeta,
        int n, int c, int hw, int group, int size, bool assign) where TMask : struct, IGradMask<TMask>
    {
        var w = new Walk(n, c, hw, group, size);
        var sums = stackalloc Vector<double>[4 * w.G];
        var tails = stackalloc double[2 * w.G];
        // Per channel: the mask's scale and shift, then a, bias, k, mean of dx = a·dz − (bias + k·(x − mean)).
        var constants = stackalloc float[6 * w.G];
        for (var g = 0; g < w.G; g++)
        {
            var ch = w.Ch0 + g;
            (constants[6 * g], constants[6 * g + 1]) = typeof(TMask) != typeof(ReluMask) ? (0f, 0f) : ReluAffine(gamma[ch], beta[ch], mean[ch], invStd[ch]);
        }
        fixed (float* px = x, pdy = dy, pdx = dx)
        {
            GradSums<TMask>(px, pdy, w, mean, constants, sums, tails);
            var count = (double)n * hw;
            for (var g = 0; g < w.G; g++)
            {
                var ch = w.Ch0 + g;
                var inv = (double)invStd[ch];
                var sumDy = tails[2 * g] + Vector.Sum(sums[4 * g] + sums[4 * g + 1]);
                var sumDyXhat = (tails[2 * g + 1] + Vector.Sum(sums[4 * g + 2] + sums[4 * g + 3])) * inv;
                var scale = gamma[ch] * inv;
                // dx = scale·dz − (scale·Σdz/m + k·(x − mean)), k = scale·invStd·dγ/m.
                constants[6 * g + 2] = (float)scale;
                constants[6 * g + 3] = (float)(scale * sumDy / count);
                constants[6 * g + 4] = (float)(scale * inv * sumDyXhat / count);
                constants[6 * g + 5] = mean[ch];
                if (!dgamma.IsEmpty) dgamma[ch] += (float)sumDyXhat;
                if (!dbeta.IsEmpty) dbeta[ch] += (float)sumDy;
            }
            if (assign) InputGrad<TMask, Assign>(px, pdy, pdx, w, constants);
            else InputGrad<TMask, Accumulate>(px, pdy, pdx, w, constants);
        }
    }

    /// <summary>A group's walk: channels [Ch0, Ch0 + G); image b's run starts at (b·c + Ch0)·hw and holds
    /// the G planes back to back; <see cref="Ahead"/> is the prefetch distance in floats (whole images).</summary>
    private readonly struct Walk
    {
        public readonly int N, Hw, Ch0, G;
        public readonly long Stride, Ahead;

        public Walk(int n, int c, int hw, int group, int size)
        {
            (N, Hw, Ch0) = (n, hw, group * size);
            G = Math.Min(size, c - Ch0);
            Stride = (long)c * hw;
            Ahead = Stride;
        }

        public long Run(int b) => (b * Stride) + (long)Ch0 * Hw;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(float* p)
    {
        if (Sse.IsSupported) Sse.Prefetch0(p);
    }

    /// <summary>Per channel of the group: Σ (x − K) and Σ (x − K)² in double around K = the channel's first
    /// value, lanes in sums[4g..4g+3] (sum low/high, squares low/high), planes' tails in tails[2g..2g+1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Moments(float* x, Walk w, Vector<double>* sums, double* tails)
    {
        for (var g = 0; g < w.G; g++)
        {
            sums[4 * g] = sums[4 * g + 1] = sums[4 * g + 2] = sums[4 * g + 3] = Vector<double>.Zero;
            tails[2 * g] = tails[2 * g + 1] = 0;
        }
        for (var b = 0; b < w.N; b++)
        {
            var run = x + w.Run(b);
            for (var g = 0; g < w.G; g++)
            {
                var p = run + (long)g * w.Hw;
                var k = (double)x[(long)(w.Ch0 + g) * w.Hw];
                var ks = new Vector<double>(k);
                var (sLo, sHi, qLo, qHi) = (sums[4 * g], sums[4 * g + 1], sums[4 * g + 2], sums[4 * g + 3]);
                var i = 0;
                for (; i <= w.Hw - Line; i += Line)
                {
                    Prefetch(p + w.Ahead + i);
                    for (var j = i; j < i + Line; j += Width)
                    {
                        Vector.Widen(Vector.Load(p + j), out var l, out var h);
                        l -= ks;
                        h -= ks;
                        sLo += l;
                        sHi += h;
                        qLo += l * l;
                        qHi += h * h;
                    }
                }
                (sums[4 * g], sums[4 * g + 1], sums[4 * g + 2], sums[4 * g + 3]) = (sLo, sHi, qLo, qHi);
                for (; i < w.Hw; i++)
                {
                    var d = p[i] - k;
                    tails[2 * g] += d;
                    tails[2 * g + 1] += d * d;
                }
            }
        }
    }

    /// <summary>y = act(x·scale + shift) over the group, scale and shift per channel in scales[2g..2g+1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Apply<TAct>(float* x, float* y, Walk w, float* scales) where TAct : struct, IActivation
    {
        for (var b = 0; b < w.N; b++)
        {
            var at = w.Run(b);
            for (var g = 0; g < w.G; g++)
            {
                float* px = x + at + (long)g * w.Hw, py = y + at + (long)g * w.Hw;
                var (scale, shift) = (scales[2 * g], scales[2 * g + 1]);
                var shifts = new Vector<float>(shift);
                var i = 0;
                for (; i <= w.Hw - Width; i += Width) TAct.Apply(Vector.Load(px + i) * scale + shifts).Store(py + i);
                for (; i < w.Hw; i++) py[i] = TAct.Apply(px[i] * scale + shift);
            }
        }
    }

    /// <summary>Per channel of the group: (Σ dz, Σ dz·(x − mean)) in double, dz = the mask applied to dy
    /// (mask scale and shift in constants[6g..6g+1]); lanes in sums, tails in tails, as in <see cref="Moments"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradSums<TMask>(float* x, float* dy, Walk w, ReadOnlySpan<float> mean, float* constants, Vector<double>* sums, double* tails)
        where TMask : struct, IGradMask<TMask>
    {
        for (var g = 0; g < w.G; g++)
        {
            sums[4 * g] = sums[4 * g + 1] = sums[4 * g + 2] = sums[4 * g + 3] = Vector<double>.Zero;
            tails[2 * g] = tails[2 * g + 1] = 0;
        }
        for (var b = 0; b < w.N; b++)
        {
            var at = w.Run(b);
            for (var g = 0; g < w.G; g++)
            {
                float* px = x + at + (long)g * w.Hw, pdy = dy + at + (long)g * w.Hw;
                var mu = (double)mean[w.Ch0 + g];
                var means = new Vector<double>(mu);
                var mask = TMask.Create(constants[6 * g], constants[6 * g + 1]);
                var (sLo, sHi, cLo, cHi) = (sums[4 * g], sums[4 * g + 1], sums[4 * g + 2], sums[4 * g + 3]);
                var i = 0;
                for (; i <= w.Hw - Line; i += Line)
                {
                    Prefetch(px + w.Ahead + i);
                    Prefetch(pdy + w.Ahead + i);
                    for (var j = i; j < i + Line; j += Width)
                    {
                        var xv = Vector.Load(px + j);
                        Vector.Widen(mask.Apply(xv, Vector.Load(pdy + j)), out var gl, out var gh);
                        Vector.Widen(xv, out var xl, out var xh);
                        sLo += gl;
                        sHi += gh;
                        cLo += gl * (xl - means);
                        cHi += gh * (xh - means);
                    }
                }
                (sums[4 * g], sums[4 * g + 1], sums[4 * g + 2], sums[4 * g + 3]) = (sLo, sHi, cLo, cHi);
                for (; i < w.Hw; i++)
                {
                    var dz = (double)mask.Apply(px[i], pdy[i]);
                    tails[2 * g] += dz;
                    tails[2 * g + 1] += dz * (px[i] - mu);
                }
            }
        }
    }

    /// <summary>dx (=|+=) a·dz − (bias + k·(x − mean)) over the group, per channel (mask scale, mask shift,
    /// a, bias, k, mean) in constants[6g..6g+5].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGrad<TMask, TStore>(float* x, float* dy, float* dx, Walk w, float* constants)
        where TMask : struct, IGradMask<TMask> where TStore : struct, IStore
    {
        for (var b = 0; b < w.N; b++)
        {
            var at = w.Run(b);
            for (var g = 0; g < w.G; g++)
            {
                float* px = x + at + (long)g * w.Hw, pdy = dy + at + (long)g * w.Hw, pdx = dx + at + (long)g * w.Hw;
                var q = constants + 6 * g;
                var mask = TMask.Create(q[0], q[1]);
                var (a, bias, k, mean) = (q[2], q[3], q[4], q[5]);
                var (va, vb, vk, vm) = (new Vector<float>(a), new Vector<float>(bias), new Vector<float>(k), new Vector<float>(mean));
                var i = 0;
                for (; i <= w.Hw - Width; i += Width)
                {
                    var xv = Vector.Load(px + i);
                    TStore.Store(pdx + i, va * mask.Apply(xv, Vector.Load(pdy + i)) - (vb + vk * (xv - vm)));
                }
                for (; i < w.Hw; i++) TStore.Store(pdx + i, a * mask.Apply(px[i], pdy[i]) - (bias + k * (px[i] - mean)));
            }
        }
    }

    /// <summary>What the backward differentiates through: nothing (plain batch norm) or the fused ReLU.</summary>
    private interface IGradMask<TSelf> where TSelf : struct, IGradMask<TSelf>
    {
        static abstract TSelf Create(float scale, float shift);
        Vector<float> Apply(Vector<float> x, Vector<float> dy);
        float Apply(float x, float dy);
    }

    private readonly struct NoMask : IGradMask<NoMask>
    {
        public static NoMask Create(float scale, float shift) => default;
        public Vector<float> Apply(Vector<float> x, Vector<float> dy) => dy;
        public float Apply(float x, float dy) => dy;
    }

    /// <summary>dz = dy where x·scale + shift &gt; 0 (the fused forward's own test), else 0.</summary>
    private readonly struct ReluMask(float scale, float shift) : IGradMask<ReluMask>
    {
        public static ReluMask Create(float scale, float shift) => new(scale, shift);

        private readonly Vector<float> _scales = new(scale), _shifts = new(shift);

        public Vector<float> Apply(Vector<float> x, Vector<float> dy) =>
            Vector.ConditionalSelect(Vector.GreaterThan(x * _scales + _shifts, Vector<float>.Zero), dy, Vector<float>.Zero);

        public float Apply(float x, float dy) => x * scale + shift > 0 ? dy : 0f;
    }

    /// <summary>The forward's output map: identity, or ReLU's rule (v ≤ 0 gives 0, NaN stays NaN).</summary>
    private interface IActivation
    {
        static abstract Vector<float> Apply(Vector<float> v);
        static abstract float Apply(float v);
    }

    private readonly struct Identity : IActivation
    {
        public static Vector<float> Apply(Vector<float> v) => v;
        public static float Apply(float v) => v;
    }

    private readonly struct Relu : IActivation
    {
        public static Vector<float> Apply(Vector<float> v) => Vector.ConditionalSelect(Vector.LessThanOrEqual(v, Vector<float>.Zero), Vector<float>.Zero, v);
        public static float Apply(float v) => v <= 0 ? 0 : v;
    }

    /// <summary>How dx is written: overwritten (its first writer) or added to.</summary>
    private interface IStore
    {
        static abstract void Store(float* at, Vector<float> g);
        static abstract void Store(float* at, float g);
    }

    private readonly struct Assign : IStore
    {
        public static void Store(float* at, Vector<float> g) => g.Store(at);
        public static void Store(float* at, float g) => *at = g;
    }

    private readonly struct Accumulate : IStore
    {
        public static void Store(float* at, Vector<float> g) => (Vector.Load(at) + g).Store(at);
        public static void Store(float* at, float g) => *at += g;
    }
}
