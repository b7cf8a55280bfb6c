using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void BroadcastForward(Tensor x, Tensor y, ReadOnlySpan<int> outDims, ReadOnlySpan<int> inStrides)
    {
        if (IsF32(x, "broadcast_forward")) BroadcastForward<float>(x.Span<float>(), y.Span<float>(), outDims, inStrides);
        else BroadcastForward<double>(x.Span<double>(), y.Span<double>(), outDims, inStrides);
    }

    private static void BroadcastForward<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<int> od, ReadOnlySpan<int> st) where T : unmanaged
    {
        long n = 1;
        foreach (var d in od) n *= d;
        for (long o = 0; o < n; o++)
        {
            long rem = o, src = 0;
            for (var d = od.Length - 1; d >= 0; d--)
            {
                src += rem % od[d] * st[d];
                rem /= od[d];
            }
            y[(int)o] = x[(int)src];
        }
    }

    public void BroadcastBackward(Tensor dy, Tensor dx, ReadOnlySpan<int> outDims, ReadOnlySpan<int> inStrides)
    {
        if (IsF32(dy, "broadcast_backward")) BroadcastBackward<float>(dy.Span<float>(), dx.Span<float>(), outDims, inStrides);
        else BroadcastBackward<double>(dy.Span<double>(), dx.Span<double>(), outDims, inStrides);
    }

    private static void BroadcastBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, ReadOnlySpan<int> od, ReadOnlySpan<int> st) where T : unmanaged, INumber<T>
    {
        // Plainest form: walk the output and add each element to the input element it read.
        long n = 1;
        foreach (var d in od) n *= d;
        for (long o = 0; o < n; o++)
        {
            long rem = o, src = 0;
            for (var d = od.Length - 1; d >= 0; d--)
            {
                src += rem % od[d] * st[d];
                rem /= od[d];
            }
            dx[(int)src] += dy[(int)o];
        }
    }

    public void MaximumForward(Tensor a, Tensor b, Tensor y, int n)
    {
        if (IsF32(a, "maximum_forward")) Binary<float>(a, b, y, n, static (p, q) => p >= q || float.IsNaN(p) ? p : q);
        else Binary<double>(a, b, y, n, static (p, q) => p >= q || double.IsNaN(p) ? p : q);
    }

    public void MinimumForward(Tensor a, Tensor b, Tensor y, int n)
    {
        if (IsF32(a, "minimum_forward")) Binary<float>(a, b, y, n, static (p, q) => p <= q || float.IsNaN(p) ? p : q);
        else Binary<double>(a, b, y, n, static (p, q) => p <= q || double.IsNaN(p) ? p : q);
    }

    public void MaximumBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n)
    {
        if (IsF32(dy, "maximum_backward")) Route<float>(a, b, dy, da, db, n, static (p, q) => p >= q);
        else Route<double>(a, b, dy, da, db, n, static (p, q) => p >= q);
    }

    public void MinimumBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n)
    {
        if (IsF32(dy, "minimum_backward")) Route<float>(a, b, dy, da, db, n, static (p, q) => p <= q);
        else Route<double>(a, b, dy, da, db, n, static (p, q) => p <= q);
    }

    /// <summary>da += dy where toA(a, b), db += dy elsewhere.</summary>
    private static void Route<T>(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n, Func<T, T, bool> toA) where T : unmanaged, INumber<T>
    {
        var pa = a.Span<T>();
        var pb = b.Span<T>();
        var g = dy.Span<T>();
        var ga = da is null ? default : da.Span<T>();
        var gb = db is null ? default : db.Span<T>();
        for (var i = 0; i < n; i++)
        {
            if (toA(pa[i], pb[i])) { if (da is not null) ga[i] += g[i]; }
            else if (db is not null) gb[i] += g[i];
        }
    }

    public void ConcatForward(Tensor x, Tensor y, int outer, int part, int total, int offset, int inner)
    {
        if (IsF32(x, "concat_forward")) ConcatCopy<float>(x.Span<float>(), y.Span<float>(), outer, part, total, offset, inner, toWhole: true);
        else ConcatCopy<double>(x.Span<double>(), y.Span<double>(), outer, part, total, offset, inner, toWhole: true);
    }

    public void ConcatBackward(Tensor dy, Tensor dx, int outer, int part, int total, int offset, int inner)
    {
        if (IsF32(dy, "concat_backward")) ConcatCopy<float>(dx.Span<float>(), dy.Span<float>(), outer, part, total, offset, inner, toWhole: false);
        else ConcatCopy<double>(dx.Span<double>(), dy.Span<double>(), outer, part, total, offset, inner, toWhole: false);
    }

    /// <summary>Moves the [outer, part, inner] slice between a part and the whole: forward writes it
    /// into the whole; backward adds the whole's slice into the part's gradient.</summary>
    private static void ConcatCopy<T>(Span<T> part, Span<T> whole, int outer, int partSize, int total, int offset, int inner, bool toWhole) where T : unmanaged, INumber<T>
    {
        var run = partSize * inner;
        for (var q = 0; q < outer; q++)
        {
            var p = part.Slice(q * run, run);
            var w = whole.Slice((q * total + offset) * inner, run);
            if (toWhole) p.CopyTo(w);
            else for (var i = 0; i < run; i++) p[i] += w[i];
        }
    }
}
