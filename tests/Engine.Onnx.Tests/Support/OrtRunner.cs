using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = Engine.Tensors.Tensor;

namespace Engine.Onnx.Tests.Support;

/// <summary>Runs an .onnx file with ONNX Runtime (CPU, one thread: the machine is shared) on an Engine
/// tensor, and compares with Engine's outputs.</summary>
internal static class OrtRunner
{
    public static Dictionary<string, (float[] Values, int[] Shape)> Run(string path, Tensor x) => Run(path, [x]);

    /// <summary>Feeds the tensors to the graph inputs in their declared order.</summary>
    public static Dictionary<string, (float[] Values, int[] Shape)> Run(string path, IReadOnlyList<Tensor> xs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        var names = session.InputNames;
        Assert.Equal(names.Count, xs.Count);
        var feeds = names.Select((n, k) => NamedOnnxValue.CreateFromTensor(n, new DenseTensor<float>(xs[k].ToFloatArray(), xs[k].Shape.ToArray()))).ToList();
        using var results = session.Run(feeds);
        return results.ToDictionary(r => r.Name, r =>
        {
            var t = r.AsTensor<float>();
            return (t.ToArray(), t.Dimensions.ToArray());
        });
    }

    /// <summary>|ort − engine| ≤ atol + rtol·|engine| everywhere, or a message naming the first mismatches.</summary>
    public static void AssertClose(string what, Tensor expected, (float[] Values, int[] Shape) actual, double atol = 1e-5, double rtol = 1e-4)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape);
        var e = expected.ToFloatArray();
        var bad = new List<string>();
        var count = 0;
        for (var i = 0; i < e.Length; i++)
        {
            var diff = Math.Abs((double)actual.Values[i] - e[i]);
            if (diff <= atol + rtol * Math.Abs(e[i]) && !float.IsNaN(actual.Values[i])) continue;
            count++;
            if (bad.Count < 3) bad.Add($"[{i}] engine={e[i]:R} ort={actual.Values[i]:R}");
        }
        Assert.True(count == 0, $"{what}: {count} of {e.Length} values differ beyond {atol} + {rtol}·|x|; first at {string.Join(", ", bad)}");
    }
}
