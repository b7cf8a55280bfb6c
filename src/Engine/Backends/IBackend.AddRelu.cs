using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>The residual join y = relu(a + b) over n elements (same shapes, no broadcasting).</summary>
    void AddReluForward(Tensor a, Tensor b, Tensor y, int n);

    /// <summary>Backward of <see cref="AddReluForward"/> from its output y: dz = dy where y &gt; 0, else 0;
    /// da += dz, db += dz (each skipped when null; da and db may be the same buffer).</summary>
    void AddReluBackward(Tensor y, Tensor dy, Tensor? da, Tensor? db, int n);
}
