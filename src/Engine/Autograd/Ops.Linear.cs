using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Matrix product of a (m, k) and b (k, n).</summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        RequireFloat("matmul", a);
        RequireSameKind("matmul", a, b);
        RequireRank("matmul", a, 2, "(m, k)");
        RequireRank("matmul", b, 2, "(k, n)");
        var (m, k, n) = (a.Shape[0], a.Shape[1], b.Shape[1]);
        if (b.Shape[0] != k)
            throw new ArgumentException($"matmul: inner dimensions differ; received {a.Shape} and {b.Shape} (expected b to have {k} rows).");
        var y = Tensor.Empty(Shape.Of(m, n), a.DType, a.Device);
        a.Backend.Gemm(false, false, m, n, k, 1, a, b, 0, y);
        Tape.Record("matmul", y, [a, b], (a, b, m, k, n), static (in s, dy, grad) =>
        {
            var (a, b, m, k, n) = s;
            // dA = dY · Bᵀ, dB = Aᵀ · dY, accumulated (beta = 1).
            if (grad(a) is { } da) dy.Backend.Gemm(false, true, m, k, n, 1, dy, b, 1, da);
            if (grad(b) is { } db) dy.Backend.Gemm(true, false, k, n, m, 1, a, dy, 1, db);
        });
        return y;
    }

    /// <summary>Dense layer math: x (N, in) · w (in, out) + b (out), Keras's kernel layout.</summary>
    public static Tensor Linear(Tensor x, Tensor w, Tensor? b)
    {
        var y = MatMul(x, w);
        return b is null ? y : BiasAdd(y, b, 1);
    }
}
