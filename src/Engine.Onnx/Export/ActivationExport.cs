namespace Engine.Onnx.Export;

/// <summary>Keras activation names as ONNX nodes (opset 13: Softmax/LogSoftmax act on the last axis
/// only, exactly as Engine's do).</summary>
internal static class ActivationExport
{
    public static readonly IReadOnlyList<string> Supported =
        ["linear", "relu", "sigmoid", "softmax", "tanh", "log_softmax", "swish", "silu", "relu6", "leaky_relu", "elu", "hard_sigmoid", "hard_swish", "hard_silu"];

    private static string HardSigmoid(OnnxGraphWriter g, string input, string name) =>
        g.Node("HardSigmoid", name, [input], OnnxAttribute.Float("alpha", 1f / 6), OnnxAttribute.Float("beta", 0.5f));

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
            case "relu6": return g.Node("Clip", name, [input, g.Constant($"{layerName}/min", [0f], []), g.Constant($"{layerName}/max", [6f], [])]);
            case "leaky_relu": return g.Node("LeakyRelu", name, [input], OnnxAttribute.Float("alpha", 0.2f));
            case "elu": return g.Node("Elu", name, [input], OnnxAttribute.Float("alpha", 1f));
            // Keras 3: relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1), ONNX's HardSigmoid(alpha 1/6, beta 1/2).
            case "hard_sigmoid": return HardSigmoid(g, input, name);
            case "hard_swish" or "hard_silu":
                // HardSwish is opset 14; x · hard_sigmoid(x) is the same function in opset 13.
                return g.Node("Mul", name, [input, HardSigmoid(g, input, $"{layerName}/hard_sigmoid")]);
            default:
                throw new OnnxExportException(
                    $"Layer '{layerName}' ({layerClass}) cannot be exported to ONNX: its activation '{activation}' is a custom one (Activations.Register) " +
                    $"with no ONNX form. Exportable activations: {string.Join(", ", Supported)}.");
        }
    }
}
