using Engine.Layers;

namespace Engine.Onnx.Export;

/// <summary>The merge layers as ONNX's elementwise ops (NumPy broadcasting in both) and Concat.</summary>
internal static class MergeLayerExports
{
    public static void RegisterAll(Dictionary<Type, Func<OnnxGraphWriter, LayerCall, string>> table)
    {
        table[typeof(Add)] = (g, c) => Variadic(g, c, "Sum", "Add");
        table[typeof(Multiply)] = (g, c) => Chain(g, c, "Mul");
        table[typeof(Subtract)] = (g, c) => g.Node("Sub", c.Layer.Name, [.. c.Inputs]);
        table[typeof(Average)] = (g, c) => g.Node("Mean", c.Layer.Name, [.. c.Inputs]);
        table[typeof(Maximum)] = (g, c) => g.Node("Max", c.Layer.Name, [.. c.Inputs]);
        table[typeof(Minimum)] = (g, c) => g.Node("Min", c.Layer.Name, [.. c.Inputs]);
        // The axis counts the batch axis, as in Keras (axis 1 is NCHW's channels; -1 the last axis).
        table[typeof(Concatenate)] = (g, c) => c.Inputs.Count == 1 ? c.Input
            : g.Node("Concat", c.Layer.Name, [.. c.Inputs], OnnxAttribute.Int("axis", ((Concatenate)c.Layer).Axis));
    }

    /// <summary>Two inputs: the binary op (what importers of ResNets expect); more: the variadic one.</summary>
    private static string Variadic(OnnxGraphWriter g, LayerCall c, string variadic, string binary) =>
        c.Inputs.Count == 1 ? c.Input : g.Node(c.Inputs.Count == 2 ? binary : variadic, c.Layer.Name, [.. c.Inputs]);

    /// <summary>A left-to-right chain of a binary op (Mul has no variadic form).</summary>
    private static string Chain(OnnxGraphWriter g, LayerCall c, string op)
    {
        if (c.Inputs.Count == 1) return c.Input;
        var y = c.Inputs[0];
        for (var i = 1; i < c.Inputs.Count; i++)
            y = g.Node(op, i == c.Inputs.Count - 1 ? c.Layer.Name : $"{c.Layer.Name}/{op.ToLowerInvariant()}_{i}", [y, c.Inputs[i]]);
        return y;
    }
}
