using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>For x viewed as [outer, axis, inner]: y[o,i] = scale * Σ_a x[o,a,i]
    /// (scale 1 for sum, 1/axis for mean).</summary>
    void SumAxisForward(Tensor x, Tensor y, int outer, int axis, int inner, double scale);

    /// <summary>dx[o,a,i] += scale * dy[o,i].</summary>
    void SumAxisBackward(Tensor dy, Tensor dx, int outer, int axis, int inner, double scale);
}
