
namespace Engine.Losses;

/// <summary>Pieces of the focal losses written with primitive ops, so their gradients come from
/// the ops' own (gradient-checked) backward passes.</summary>
internal static class FocalMath
{
    /// <summary>a^gamma: repeated products for whole gammas (exact, fine at a = 0); otherwise
    /// exp(gamma·log(a + 1e-7)), the small offset keeping the gradient finite where a = 0.</summary>
    public static Tensor Pow(Tensor a, double gamma)
    {
        if (gamma == 0) return Ops.Affine(a, 0, 1);
        if (gamma == Math.Floor(gamma) && gamma <= 8)
        {
            var result = a;
            for (var k = 1; k < (int)gamma; k++) result = Ops.Mul(result, a);
            return result;
        }
        return Ops.Exp(Ops.MulScalar(Ops.Log(Ops.AddScalar(a, 1e-7)), gamma));
    }
}
