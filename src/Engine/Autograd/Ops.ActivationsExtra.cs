using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Keras's relu with options (the ReLU layer): y = x ≥ maxValue ? maxValue : x ≥ threshold ? x :
    /// negativeSlope·(x − threshold). maxValue null means unbounded.</summary>
    public static Tensor Relu(Tensor x, double? maxValue, double negativeSlope = 0, double threshold = 0)
    {
        const string op = "relu";
        if (maxValue is < 0 || double.IsNaN(maxValue ?? 0))
            throw new ArgumentException($"{op}: max_value cannot be a negative value; received {maxValue}.");
        if (negativeSlope < 0 || double.IsNaN(negativeSlope))
            throw new ArgumentException($"{op}: negative_slope cannot be a negative value; received {negativeSlope}.");
        if (double.IsNaN(threshold))
            throw new ArgumentException($"{op}: threshold must be a number; received NaN.");
        var max = maxValue ?? double.PositiveInfinity;
        return Map(ElementwiseOps.ReluExt, x, null, max, negativeSlope, threshold, name: op);
    }

    /// <summary>min(max(x, 0), 6).</summary>
    public static Tensor Relu6(Tensor x) => Relu(x, 6.0);

    /// <summary>x for x ≥ 0, negativeSlope·x below (Keras's leaky_relu; its default slope is 0.2).</summary>
    public static Tensor LeakyRelu(Tensor x, double negativeSlope = 0.2) => Relu(x, null, negativeSlope);

    /// <summary>x for x &gt; 0, alpha·(exp(x) − 1) below.</summary>
    public static Tensor Elu(Tensor x, double alpha = 1.0)
    {
        if (double.IsNaN(alpha)) throw new ArgumentException("elu: alpha must be a number; received NaN.");
        return Map(ElementwiseOps.Elu, x, null, alpha);
    }

    /// <summary>Keras 3's hard_sigmoid: relu6(x + 3) / 6 (Keras 2 used 0.2·x + 0.5).</summary>
    public static Tensor HardSigmoid(Tensor x) => Map(ElementwiseOps.HardSigmoid, x);

    /// <summary>hard_swish (Keras 3's hard_silu): x · relu6(x + 3) / 6, as in MobileNetV3.</summary>
    public static Tensor HardSwish(Tensor x) => Map(ElementwiseOps.HardSwish, x);
}
