using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Tests.Elementwise;

/// <summary>Inputs and parameters for every op in <see cref="ElementwiseOps.All"/>, so the data-driven
/// tests cover a new op without a new test: inputs step across [-4, 4] away from every kink of the
/// table (0, ±3 and ± the parameters below), log gets positive inputs and div a divisor away from 0.</summary>
internal static class ElementwiseOpCases
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var op in ElementwiseOps.All) data.Add(op.Name);
        return data;
    }

    public static ElementwiseOp Op(string name) => ElementwiseOps.All.Single(o => o.Name == name);

    /// <summary>p0..p2 for the op's parameters (relu_ext: max_value 2.5, negative_slope 0.1, threshold 0.5;
    /// binary_cross_entropy: lo = eps, hi = 1 - eps).</summary>
    public static double[] Params(ElementwiseOp op) => op.Name switch
    {
        "relu_ext" => [2.5, 0.1, 0.5],
        "binary_cross_entropy" => [1e-7, 1 - 1e-7, 0],
        _ => [0.7, 0.3, 0.5],
    };

    /// <summary>Inputs that take a gradient: the first op.Grads.Count ones (a loss's target takes none).</summary>
    public static bool TakesGradient(ElementwiseOp op, int input) => input < op.Grads.Count;

    /// <summary>Input k of the op, n values, as a float64 tensor of the given shape.</summary>
    public static Tensor Input(ElementwiseOp op, int k, Shape shape, DType dtype, int seed)
    {
        var n = shape.Size;
        double[] kinks = [0, 3, -3, .. Params(op).Take(op.Params.Count).SelectMany(p => new[] { p, -p })];
        return Tensor.FromHost(shape, dtype, null, i =>
        {
            var v = -4.05 + 8.1 * ((i * 37 + seed * 11) % n + 0.5) / n;   // a permutation of a grid over [-4.05, 4.05]
            if (kinks.Any(c => Math.Abs(v - c) < 0.05)) v += 0.11;
            return (op.Name, k) switch
            {
                ("log", _) => Math.Exp(v / 2),
                ("div", 1) => v >= 0 ? v + 0.5 : v - 0.5,
                ("binary_cross_entropy", 0) => 1 / (1 + Math.Exp(-v)),      // probabilities inside (eps, 1 - eps)
                ("binary_cross_entropy", 1) => (i * 0.37) % 1,              // soft targets
                _ => v,
            };
        });
    }
}
