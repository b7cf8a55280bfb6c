using System.Numerics;
using System.Runtime.CompilerServices;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The float32 Adam step with SIMD on both cores: the same operations in the same order as the
/// scalar loop (no fused multiply-adds), so each element gets bitwise the value the scalar loop gives,
/// whatever the vector width or split. A 64×64×3 dense layer alone has 1.6 M parameters.</summary>
public sealed partial class CpuBackend
{
    private const int AdamChunk = 1 << 14;

    internal static void AdamFloat(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor? vMax, int n, double lr, double beta1, double beta2,
        double eps, double weightDecay, bool decoupled, long step)
    {
        var k = new AdamConstants(
            (float)(lr / (1 - Math.Pow(beta1, step))), (float)Math.Sqrt(1 - Math.Pow(beta2, step)),
            (float)beta1, (float)beta2, (float)(1 - beta1), (float)(1 - beta2), (float)eps,
            (float)(1 - lr * weightDecay), (float)weightDecay, decoupled);
        var chunks = (n + AdamChunk - 1) / AdamChunk;
        CpuParallel.ForEachPlane(chunks, AdamChunk, (param, grad, m, v, vMax, n, k), static (s, chunk) =>
        {
            var (param, grad, m, v, vMax, n, k) = s;
            var start = chunk * AdamChunk;
            var count = Math.Min(AdamChunk, n - start);
            AdamRange(param.Span<float>().Slice(start, count), grad.Span<float>().Slice(start, count), m.Span<float>().Slice(start, count),
                v.Span<float>().Slice(start, count), vMax is null ? default : vMax.Span<float>().Slice(start, count), vMax is not null, k);
        });
    }

    private readonly record struct AdamConstants(float StepSize, float Bc2Sqrt, float B1, float B2, float Ob1, float Ob2, float Eps,
        float Shrink, float Wd, bool Decoupled);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AdamRange(Span<float> p, ReadOnlySpan<float> g, Span<float> pm, Span<float> pv, Span<float> pmax, bool amsgrad, AdamConstants k)
    {
        var i = 0;
        var width = Vector<float>.Count;
        var (stepSize, bc2, b1, b2, ob1, ob2, eps, shrink, wd) = (new Vector<float>(k.StepSize), new Vector<float>(k.Bc2Sqrt),
            new Vector<float>(k.B1), new Vector<float>(k.B2), new Vector<float>(k.Ob1), new Vector<float>(k.Ob2), new Vector<float>(k.Eps),
            new Vector<float>(k.Shrink), new Vector<float>(k.Wd));
        for (; i <= p.Length - width; i += width)
        {
            var d = new Vector<float>(g[i..]);
            var pi = new Vector<float>(p[i..]);
            if (k.Decoupled) pi *= shrink;
            else d += wd * pi;
            var mi = b1 * new Vector<float>(pm[i..]) + ob1 * d;
            var vi = b2 * new Vector<float>(pv[i..]) + ob2 * d * d;
            mi.CopyTo(pm[i..]);
            vi.CopyTo(pv[i..]);
            var second = vi;
            if (amsgrad)
            {
                second = Vector.Max(new Vector<float>(pmax[i..]), vi);
                second.CopyTo(pmax[i..]);
            }
            var denom = Vector.SquareRoot(second) / bc2 + eps;
            (pi - stepSize * (mi / denom)).CopyTo(p[i..]);
        }
        for (; i < p.Length; i++)
        {
            var d = g[i];
            if (k.Decoupled) p[i] *= k.Shrink;
            else d += k.Wd * p[i];
            pm[i] = k.B1 * pm[i] + k.Ob1 * d;
            pv[i] = k.B2 * pv[i] + k.Ob2 * d * d;
            var second = pv[i];
            if (amsgrad)
            {
                pmax[i] = float.Max(pmax[i], pv[i]);
                second = pmax[i];
            }
            var denom = float.Sqrt(second) / k.Bc2Sqrt + k.Eps;
            p[i] -= k.StepSize * (pm[i] / denom);
        }
    }
}
