using Engine.Models;
using Engine.Tensors;

namespace Engine.Data;

/// <summary>A batch as plain arrays, built on the producer thread. It becomes tensors only on the
/// consumer's thread (<see cref="ToBatch"/>), so they join the consumer's TensorScope like any other
/// tensor it creates.</summary>
internal sealed record BatchArrays(float[] X, int[] XShape, Array Y, int[] YShape, float[]? Weights)
{
    public Batch ToBatch()
    {
        var x = Tensor.Wrap(X, new Shape(XShape));
        var y = Y switch
        {
            int[] ints => Tensor.Wrap(ints, new Shape(YShape)),
            float[] floats => Tensor.Wrap(floats, new Shape(YShape)),
            _ => throw new InvalidOperationException($"targets of type {Y.GetType().Name} cannot become a tensor"),
        };
        var w = Weights is null ? null : Tensor.Wrap(Weights, new Shape(Weights.Length));
        return new Batch(x, y, w);
    }
}
