using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Kernels of the merge layers (kernels/merge.cu). Broadcasting shapes arrive as a
/// <see cref="StridedWalk"/> of rank <see cref="Broadcast.MaxRank"/> (6): the output's dims and the
/// input's strides, 0 on broadcast axes (see <see cref="Broadcast.Plan"/>).</summary>
public partial interface IBackend
{
    /// <summary>y[o] = x[Σ coord_d(o) · strides[d]] for y of the walk's dims (row-major).</summary>
    void BroadcastForward(Tensor x, Tensor y, StridedWalk walk);

    /// <summary>dx[i] += Σ dy over the broadcast axes (the backward of <see cref="BroadcastForward"/>).</summary>
    void BroadcastBackward(Tensor dy, Tensor dx, StridedWalk walk);

    /// <summary>y = max(a, b) (NaN propagates).</summary>
    void MaximumForward(Tensor a, Tensor b, Tensor y, int n);

    /// <summary>da += dy where a ≥ b; db += dy elsewhere (a null gradient is skipped).</summary>
    void MaximumBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n);

    /// <summary>y = min(a, b) (NaN propagates).</summary>
    void MinimumForward(Tensor a, Tensor b, Tensor y, int n);

    /// <summary>da += dy where a ≤ b; db += dy elsewhere.</summary>
    void MinimumBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n);

    /// <summary>y[q, offset + j, i] = x[q, j, i] for x viewed as [outer, part, inner] and y as [outer, total, inner].</summary>
    void ConcatForward(Tensor x, Tensor y, int outer, int part, int total, int offset, int inner);

    /// <summary>dx[q, j, i] += dy[q, offset + j, i].</summary>
    void ConcatBackward(Tensor dy, Tensor dx, int outer, int part, int total, int offset, int inner);
}
