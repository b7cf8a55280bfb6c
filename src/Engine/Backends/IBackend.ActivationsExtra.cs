using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The activations of Keras beyond relu/sigmoid/tanh. Backward kernels read the input x.</summary>
public partial interface IBackend
{
    /// <summary>Keras's ReLU(max_value, negative_slope, threshold): y = x ≥ max ? max : x ≥ threshold ? x :
    /// slope·(x − threshold). maxValue may be +∞. Gives relu6 and leaky_relu too.</summary>
    void ReluExtForward(Tensor x, Tensor y, int n, double maxValue, double negativeSlope, double threshold);

    /// <summary>dx += dy · (threshold &lt; x &lt; max ? 1 : x ≤ threshold ? slope : 0).</summary>
    void ReluExtBackward(Tensor x, Tensor dy, Tensor dx, int n, double maxValue, double negativeSlope, double threshold);

    /// <summary>y = x &gt; 0 ? x : alpha·(exp(x) − 1).</summary>
    void EluForward(Tensor x, Tensor y, int n, double alpha);

    /// <summary>dx += dy · (x &gt; 0 ? 1 : alpha·exp(x)).</summary>
    void EluBackward(Tensor x, Tensor dy, Tensor dx, int n, double alpha);

    /// <summary>Keras 3's hard_sigmoid: y = relu6(x + 3) / 6.</summary>
    void HardSigmoidForward(Tensor x, Tensor y, int n);

    /// <summary>dx += dy / 6 where −3 &lt; x &lt; 3.</summary>
    void HardSigmoidBackward(Tensor x, Tensor dy, Tensor dx, int n);

    /// <summary>hard_swish (hard_silu): y = x · relu6(x + 3) / 6.</summary>
    void HardSwishForward(Tensor x, Tensor y, int n);

    /// <summary>dx += dy · (x ≤ −3 ? 0 : x ≥ 3 ? 1 : (2x + 3) / 6).</summary>
    void HardSwishBackward(Tensor x, Tensor dy, Tensor dx, int n);
}
