using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>The same elements in another shape (one dimension may be -1). Shares storage.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape) => Reshape(x, (ReadOnlySpan<int>)shape);

    /// <summary><see cref="Reshape(Tensor, int[])"/> without an array: <c>Ops.Reshape(x, n, -1)</c>.</summary>
    public static Tensor Reshape(Tensor x, params ReadOnlySpan<int> shape)
    {
        var target = x.Shape.Resolve(shape);
        var y = x.View(target);
        Tape.Record("reshape", y, [x], x, static (in x, dy, grad) =>
        {
            if (grad(x) is { } dx) dy.Backend.Axpy(1, dy, dx, dy.Size);
        });
        return y;
    }

    /// <summary>Keeps the batch axis and flattens the rest: (N, C, H, W) → (N, C·H·W), like Keras's Flatten.</summary>
    public static Tensor Flatten(Tensor x)
    {
        if (x.Rank < 1) throw new ArgumentException($"flatten needs a batch axis; received a scalar.");
        return Reshape(x, x.Shape[0], x.Shape.Product(1, x.Rank));
    }
}
