using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void BroadcastForward(Tensor x, Tensor y, StridedWalk walk) =>
        FloatDispatch.Run(x, new BroadcastCopy(x, y, walk.Require(Broadcast.MaxRank, KernelNames.Of()), Backward: false));

    public void BroadcastBackward(Tensor dy, Tensor dx, StridedWalk walk) =>
        FloatDispatch.Run(dy, new BroadcastCopy(dy, dx, walk.Require(Broadcast.MaxRank, KernelNames.Of()), Backward: true));

    /// <summary>Forward copies x into y; backward sums dy into dx.</summary>
    private readonly record struct BroadcastCopy(Tensor From, Tensor To, StridedWalk Walk, bool Backward) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (Backward) BroadcastBackward<T>(From.Span<T>(), To.Span<T>(), Walk.Dims, Walk.Strides);
            else BroadcastForward<T>(From.Span<T>(), To.Span<T>(), Walk.Dims, Walk.Strides);
        }
    }

    private static void BroadcastForward<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<int> od, ReadOnlySpan<int> st) where T : unmanaged
    {
        long n = 1;
        foreach (var d in od) n *= d;
        for (long o = 0; o < n; o++) y[(int)o] = x[(int)StridedWalk.SourceOf(o, od, st)];
    }

    private static void BroadcastBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, ReadOnlySpan<int> od, ReadOnlySpan<int> st) where T : unmanaged, INumber<T>
    {
        // Plainest form: walk the output and add each element to the input element it read.
        long n = 1;
        foreach (var d in od) n *= d;
        for (long o = 0; o < n; o++) dx[(int)StridedWalk.SourceOf(o, od, st)] += dy[(int)o];
    }

    public void MaximumForward(Tensor a, Tensor b, Tensor y, int n) => FloatDispatch.Run(a, new Extremum(a, b, y, n, Max: true));

    public void MinimumForward(Tensor a, Tensor b, Tensor y, int n) => FloatDispatch.Run(a, new Extremum(a, b, y, n, Max: false));

    /// <summary>The larger (smaller) of a and b; NaN in a wins, as in the kernel.</summary>
    private readonly record struct Extremum(Tensor A, Tensor B, Tensor Y, int N, bool Max) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (Max) Binary<T>(A, B, Y, N, static (p, q) => p >= q || T.IsNaN(p) ? p : q);
            else Binary<T>(A, B, Y, N, static (p, q) => p <= q || T.IsNaN(p) ? p : q);
        }
    }

    public void MaximumBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n) => FloatDispatch.Run(dy, new ExtremumGrad(a, b, dy, da, db, n, Max: true));

    public void MinimumBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n) => FloatDispatch.Run(dy, new ExtremumGrad(a, b, dy, da, db, n, Max: false));

    private readonly record struct ExtremumGrad(Tensor A, Tensor B, Tensor Dy, Tensor? Da, Tensor? Db, int N, bool Max) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (Max) Route<T>(A, B, Dy, Da, Db, N, static (p, q) => p >= q);
            else Route<T>(A, B, Dy, Da, Db, N, static (p, q) => p <= q);
        }
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

    public void ConcatForward(Tensor x, Tensor y, int outer, int part, int total, int offset, int inner) =>
        FloatDispatch.Run(x, new ConcatSlice(x, y, outer, part, total, offset, inner, ToWhole: true));

    public void ConcatBackward(Tensor dy, Tensor dx, int outer, int part, int total, int offset, int inner) =>
        FloatDispatch.Run(dy, new ConcatSlice(dx, dy, outer, part, total, offset, inner, ToWhole: false));

    private readonly record struct ConcatSlice(Tensor Part, Tensor Whole, int Outer, int PartSize, int Total, int Offset, int Inner, bool ToWhole) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            ConcatCopy<T>(Part.Span<T>(), Whole.Span<T>(), Outer, PartSize, Total, Offset, Inner, ToWhole);
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
