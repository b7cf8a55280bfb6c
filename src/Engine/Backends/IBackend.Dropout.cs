using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>Inverted dropout: mask[i] = u(seed, i) &lt; rate ? 0 : 1/(1-rate); y = x * mask, where
    /// u is the counter-based uniform of <see cref="CounterRng.Uniform"/> (identical on every backend).</summary>
    void DropoutForward(Tensor x, Tensor y, Tensor mask, int n, double rate, ulong seed);
}
