using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>CPU twins of the extra activations in kernels/activations.cu: the same formulas,
/// float32 computed in float like the kernels.</summary>
public sealed partial class CpuBackend
{
    public void ReluExtForward(Tensor x, Tensor y, int n, double maxValue, double negativeSlope, double threshold)
    {
        if (IsF32(x, "relu_ext_forward")) Unary<float>(x, y, n, v => ReluExt(v, (float)maxValue, (float)negativeSlope, (float)threshold));
        else Unary<double>(x, y, n, v => ReluExt(v, maxValue, negativeSlope, threshold));
    }

    private static T ReluExt<T>(T v, T max, T slope, T threshold) where T : IFloatingPointIeee754<T> =>
        v >= max ? max : v >= threshold ? v : slope * (v - threshold);

    public void ReluExtBackward(Tensor x, Tensor dy, Tensor dx, int n, double maxValue, double negativeSlope, double threshold)
    {
        if (IsF32(x, "relu_ext_backward")) Grad<float>(x, dy, dx, n, (v, g) => g * ReluExtSlope(v, (float)maxValue, (float)negativeSlope, (float)threshold));
        else Grad<double>(x, dy, dx, n, (v, g) => g * ReluExtSlope(v, maxValue, negativeSlope, threshold));
    }

    private static T ReluExtSlope<T>(T v, T max, T slope, T threshold) where T : IFloatingPointIeee754<T> =>
        v > threshold && v < max ? T.One : v <= threshold ? slope : T.Zero;

    public void EluForward(Tensor x, Tensor y, int n, double alpha)
    {
        if (IsF32(x, "elu_forward")) Unary<float>(x, y, n, v => v > 0 ? v : (float)alpha * float.ExpM1(v));
        else Unary<double>(x, y, n, v => v > 0 ? v : alpha * double.ExpM1(v));
    }

    public void EluBackward(Tensor x, Tensor dy, Tensor dx, int n, double alpha)
    {
        if (IsF32(x, "elu_backward")) Grad<float>(x, dy, dx, n, (v, g) => v > 0 ? g : g * (float)alpha * float.Exp(v));
        else Grad<double>(x, dy, dx, n, (v, g) => v > 0 ? g : g * alpha * double.Exp(v));
    }

    public void HardSigmoidForward(Tensor x, Tensor y, int n)
    {
        if (IsF32(x, "hard_sigmoid_forward")) Unary<float>(x, y, n, HardSigmoid);
        else Unary<double>(x, y, n, HardSigmoid);
    }

    /// <summary>Keras 3's hard_sigmoid: relu6(x + 3) / 6.</summary>
    private static T HardSigmoid<T>(T v) where T : IFloatingPointIeee754<T> =>
        T.Min(T.Max(v + T.CreateTruncating(3), T.Zero), T.CreateTruncating(6)) / T.CreateTruncating(6);

    public void HardSigmoidBackward(Tensor x, Tensor dy, Tensor dx, int n)
    {
        if (IsF32(x, "hard_sigmoid_backward")) Grad<float>(x, dy, dx, n, static (v, g) => v > -3 && v < 3 ? g / 6 : 0);
        else Grad<double>(x, dy, dx, n, static (v, g) => v > -3 && v < 3 ? g / 6 : 0);
    }

    public void HardSwishForward(Tensor x, Tensor y, int n)
    {
        if (IsF32(x, "hard_swish_forward")) Unary<float>(x, y, n, static v => v * HardSigmoid(v));
        else Unary<double>(x, y, n, static v => v * HardSigmoid(v));
    }

    public void HardSwishBackward(Tensor x, Tensor dy, Tensor dx, int n)
    {
        if (IsF32(x, "hard_swish_backward")) Grad<float>(x, dy, dx, n, static (v, g) => g * (v <= -3 ? 0 : v >= 3 ? 1 : (2 * v + 3) / 6));
        else Grad<double>(x, dy, dx, n, static (v, g) => g * (v <= -3 ? 0 : v >= 3 ? 1 : (2 * v + 3) / 6));
    }
}
