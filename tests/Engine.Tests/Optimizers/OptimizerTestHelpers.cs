using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Tests.Optimizers;

/// <summary>Runs an optimizer on a small parameter with a fixed sequence of gradients, so the
/// results can be compared with hand-computed PyTorch steps.</summary>
internal static class OptimizerTestHelpers
{
    public static Tensor Parameter(DType dtype, params double[] values)
    {
        var t = dtype == DType.Float64 ? Tensor.FromArray(values) : Tensor.FromArray(Array.ConvertAll(values, v => (float)v));
        t.RequiresGrad = true;
        return t;
    }

    public static Tensor Parameter(params double[] values) => Parameter(DType.Float64, values);

    public static void SetGrad(Tensor p, params double[] g)
    {
        p.ZeroGrad();
        p.Grad = p.DType == DType.Float64 ? Tensor.FromArray(g) : Tensor.FromArray(Array.ConvertAll(g, v => (float)v));
    }

    /// <summary>The gradients used by the three-step tests: g1, g2, g3 for a two-element parameter.</summary>
    public static readonly double[][] Grads = [[0.5, -1.0], [0.2, 0.4], [-0.1, 0.3]];

    /// <summary>Starts from p0 = [1, -2], takes one step per gradient and returns p after each step.</summary>
    public static double[][] Run(Optimizer opt, double[][]? grads = null, DType dtype = DType.Float64)
    {
        grads ??= Grads;
        var p = Parameter(dtype, 1.0, -2.0);
        var trace = new double[grads.Length][];
        for (var s = 0; s < grads.Length; s++)
        {
            SetGrad(p, grads[s]);
            opt.Step([p]);
            trace[s] = p.ToDoubleArray();
        }
        return trace;
    }

    public static void AssertSteps(double[][] expected, double[][] actual, double tol = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var s = 0; s < expected.Length; s++)
            TestData.AssertClose(expected[s], actual[s], atol: tol, rtol: tol, what: $"parameter after step {s + 1}");
    }
}
