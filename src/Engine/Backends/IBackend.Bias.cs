using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>y[o,c,i] = x[o,c,i] + bias[c] for a tensor viewed as [outer, channels, inner]
    /// (dense: [N, F, 1]; conv NCHW: [N, C, H*W]).</summary>
    void BiasAddForward(Tensor x, Tensor bias, Tensor y, int outer, int channels, int inner);

    /// <summary>dbias[c] += Σ_{o,i} dy[o,c,i].</summary>
    void BiasAddBackward(Tensor dy, Tensor dbias, int outer, int channels, int inner);
}
