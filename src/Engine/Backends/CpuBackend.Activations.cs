using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void ReluForward(Tensor x, Tensor y, int n)
    {
        if (IsF32(x, "relu_forward")) SimdFloat.Relu(x.Span<float>()[..n], y.Span<float>()[..n]);
        else Unary<double>(x, y, n, static v => v <= 0 ? 0 : v);
    }

    public void ReluBackward(Tensor x, Tensor dy, Tensor dx, int n)
    {
        if (IsF32(x, "relu_backward")) SimdFloat.ReluBackward(x.Span<float>()[..n], dy.Span<float>()[..n], dx.Span<float>()[..n]);
        else Grad<double>(x, dy, dx, n, static (v, g) => v > 0 ? g : 0);
    }

    public void SigmoidForward(Tensor x, Tensor y, int n)
    {
        if (IsF32(x, "sigmoid_forward")) Unary<float>(x, y, n, Sigmoid);
        else Unary<double>(x, y, n, Sigmoid);
    }

    /// <summary>Never evaluates exp of a large positive number.</summary>
    internal static T Sigmoid<T>(T v) where T : IFloatingPointIeee754<T>
    {
        if (v >= T.Zero) return T.One / (T.One + T.Exp(-v));
        var e = T.Exp(v);
        return e / (T.One + e);
    }

    public void SigmoidBackward(Tensor y, Tensor dy, Tensor dx, int n)
    {
        if (IsF32(y, "sigmoid_backward")) Grad<float>(y, dy, dx, n, static (s, g) => g * s * (1 - s));
        else Grad<double>(y, dy, dx, n, static (s, g) => g * s * (1 - s));
    }

    public void TanhForward(Tensor x, Tensor y, int n)
    {
        if (IsF32(x, "tanh_forward")) Unary<float>(x, y, n, float.Tanh); else Unary<double>(x, y, n, Math.Tanh);
    }

    public void TanhBackward(Tensor y, Tensor dy, Tensor dx, int n)
    {
        if (IsF32(y, "tanh_backward")) Grad<float>(y, dy, dx, n, static (t, g) => g * (1 - t * t));
        else Grad<double>(y, dy, dx, n, static (t, g) => g * (1 - t * t));
    }
}
