using Engine.Tensors;

namespace Engine.Autograd;

/// <summary>Differentiable operations. Each op checks its inputs, runs one or a few backend kernels,
/// and records its backward on the <see cref="Tape"/>. Split by family over the Ops.*.cs files.</summary>
public static partial class Ops
{
    private static void RequireSameShape(string op, Tensor a, Tensor b)
    {
        if (a.Shape != b.Shape)
            throw new ArgumentException($"{op}: operands must have the same shape; received {a.Shape} and {b.Shape}.");
        RequireSameKind(op, a, b);
    }

    private static void RequireSameKind(string op, Tensor a, Tensor b)
    {
        if (a.Device != b.Device)
            throw new ArgumentException($"{op}: operands are on different devices ({a.Device} and {b.Device}); move one with To(device).");
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: operands have different dtypes ({a.DType.Name()} and {b.DType.Name()}).");
    }

    private static void RequireFloat(string op, Tensor x)
    {
        if (!x.DType.IsFloating())
            throw new ArgumentException($"{op} expects a float32 or float64 tensor; received {x.DType.Name()} of shape {x.Shape}.");
    }

    private static void RequireRank(string op, Tensor x, int rank, string layout)
    {
        if (x.Rank != rank)
            throw new ArgumentException($"{op} expects a rank-{rank} tensor {layout}; received shape {x.Shape}.");
    }
}
