using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void BroadcastForward(Tensor x, Tensor y, StridedWalk walk) => LaunchBroadcast(KernelNames.Of(), x, y, walk, forward: true);

    public void BroadcastBackward(Tensor dy, Tensor dx, StridedWalk walk) => LaunchBroadcast(KernelNames.Of(), dy, dx, walk, forward: false);

    private void LaunchBroadcast(string k, Tensor src, Tensor dst, StridedWalk walk, bool forward)
    {
        walk.Require(Broadcast.MaxRank, k);
        var (od, st) = (walk.Dims, walk.Strides);
        var (srcSize, dstSize) = forward ? (walk.SourceSize, walk.Size) : (walk.Size, walk.SourceSize);
        Launch(k, Grid1D(dstSize), F32(src, srcSize, k), F32(dst, dstSize, k),
            od[0], od[1], od[2], od[3], od[4], od[5], st[0], st[1], st[2], st[3], st[4], st[5]);
    }

    public void MaximumForward(Tensor a, Tensor b, Tensor y, int n) => Binary(KernelNames.Of(), a, b, y, n);

    public void MinimumForward(Tensor a, Tensor b, Tensor y, int n) => Binary(KernelNames.Of(), a, b, y, n);

    public void MaximumBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n) => RouteBackward(KernelNames.Of(), a, b, dy, da, db, n);

    public void MinimumBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n) => RouteBackward(KernelNames.Of(), a, b, dy, da, db, n);

    private void RouteBackward(string k, Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n)
    {
        if (da is null && db is null) return;
        Launch(k, Grid1D(n), F32(a, n, k), F32(b, n, k), F32(dy, n, k), F32(da, n, k, optional: true), F32(db, n, k, optional: true), n);
    }

    public void ConcatForward(Tensor x, Tensor y, int outer, int part, int total, int offset, int inner)
    {
        var k = KernelNames.Of();
        var n = (long)outer * part * inner;
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, (long)outer * total * inner, k), outer, part, total, offset, inner);
    }

    public void ConcatBackward(Tensor dy, Tensor dx, int outer, int part, int total, int offset, int inner)
    {
        var k = KernelNames.Of();
        var n = (long)outer * part * inner;
        Launch(k, Grid1D(n), F32(dy, (long)outer * total * inner, k), F32(dx, n, k), outer, part, total, offset, inner);
    }
}
