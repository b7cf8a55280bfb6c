namespace Engine.Onnx.Export;

/// <summary>Keras activation names as ONNX nodes (opset 13: Softmax/LogSoftmax act on the last axis
/// only, exactly as Engine's do).</summary>
internal static class ActivationExport
{
    public static readonly IReadOnlyList<string> Supported = ["linear", "relu", "sigmoid", "softmax", "tanh", "log_softmax", "swish", "silu"];

    /// <summary>Appends the activation after <paramref name="input"/> and returns the output name;
    /// <paramref name="name"/> names the final node (the layer's name when the activation ends it).</summary>
    public static string Apply(OnnxGraphWriter g, string? activation, string input, string name, string layerName, string layerClass)
    {
        switch (activation)
        {
            case null or "linear": return input;
            case "relu": return g.Node("Relu", name, [input]);
            case "sigmoid": return g.Node("Sigmoid", name, [input]);
            case "tanh": return g.Node("Tanh", name, [input]);
            case "softmax": return g.Node("Softmax", name, [input], OnnxAttribute.Int("axis", -1));
            case "log_softmax": return g.Node("LogSoftmax", name, [input], OnnxAttribute.Int("axis", -1));
            case "swish" or "silu":
                var s = g.Node("Sigmoid", $"{layerName}/sigmoid", [input]);
                return g.Node("Mul", name, [input, s]);
            default:
                throw new OnnxExportException(
                    $"Layer '{layerName}' ({layerClass}) cannot be exported to ONNX: its activation '{activation}' is a custom one (Activations.Register) " +
                    $"with no ONNX form. Exportable activations: {string.Join(", ", Supported)}.");
        }
    }
}
