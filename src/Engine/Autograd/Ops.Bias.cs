using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Adds a per-channel bias along <paramref name="axis"/> (1 for both dense [N, F] and
    /// NCHW convolution outputs), like Keras's use_bias.</summary>
    public static Tensor BiasAdd(Tensor x, Tensor bias, int axis = 1)
    {
        RequireFloat("bias_add", x);
        RequireSameKind("bias_add", x, bias);
        var ax = x.Shape.NormalizeAxis(axis);
        if (bias.Rank != 1 || bias.Size != x.Shape[ax])
            throw new ArgumentException($"bias_add: bias must have shape ({x.Shape[ax]},) to match axis {axis} of input {x.Shape}; received {bias.Shape}.");
        var (outer, channels, inner) = (x.Shape.Product(0, ax), x.Shape[ax], x.Shape.Product(ax + 1, x.Rank));
        var y = Tensor.EmptyLike(x);
        x.Backend.BiasAddForward(x, bias, y, outer, channels, inner);
        Tape.Record("bias_add", y, [x, bias], (x, bias, outer, channels, inner), static (in s, dy, grad) =>
        {
            var (x, bias, outer, channels, inner) = s;
            if (grad(x) is { } dx) dy.Backend.Axpy(1, dy, dx, dy.Size);
            if (grad(bias) is { } db) dy.Backend.BiasAddBackward(dy, db, outer, channels, inner);
        });
        return y;
    }
}
