using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>a + b with NumPy broadcasting (so are Sub, Mul and Div).</summary>
    public static Tensor Add(Tensor a, Tensor b) => Map(ElementwiseOps.Add, a, b);

    public static Tensor Sub(Tensor a, Tensor b) => Map(ElementwiseOps.Sub, a, b);

    public static Tensor Mul(Tensor a, Tensor b) => Map(ElementwiseOps.Mul, a, b);

    public static Tensor Div(Tensor a, Tensor b) => Map(ElementwiseOps.Div, a, b);

    /// <summary>y = x · scale + shift; the scalar ops below are this one op.</summary>
    public static Tensor Affine(Tensor x, double scale, double shift)
    {
        RequireFloat("affine", x);
        var y = Tensor.EmptyLike(x);
        x.Backend.AffineForward(x, y, scale, shift, x.Size);
        Tape.Record("affine", y, [x], (x, scale), static (in s, dy, grad) =>
        {
            if (grad(s.x) is { } dx) dy.Backend.Axpy(s.scale, dy, dx, dy.Size);
        });
        return y;
    }

    public static Tensor AddScalar(Tensor x, double s) => Affine(x, 1, s);

    public static Tensor SubScalar(Tensor x, double s) => Affine(x, 1, -s);

    public static Tensor MulScalar(Tensor x, double s) => Affine(x, s, 0);

    public static Tensor DivScalar(Tensor x, double s) => Affine(x, 1 / s, 0);

    public static Tensor Neg(Tensor x) => Affine(x, -1, 0);

    /// <summary>y = s - x.</summary>
    public static Tensor RSubScalar(double s, Tensor x) => Affine(x, -1, s);

    public static Tensor Exp(Tensor x) => Map(ElementwiseOps.Exponential, x);

    public static Tensor Log(Tensor x) => Map(ElementwiseOps.Logarithm, x);
}
