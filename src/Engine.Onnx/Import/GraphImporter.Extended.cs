using Engine.Layers;

namespace Engine.Onnx.Import;

/// <summary>Ops whose Engine layers come with the graph and ops work (merge layers, explicit
/// padding, grouped/dilated convolution, LeakyReLU/ReLU6, Reshape). Until those layers exist the
/// importer says precisely which node needs what.</summary>
internal sealed partial class GraphImporter
{
    private Layer CreateConv(NodeView node, int filters, (int H, int W) kernel, (int H, int W) strides, (int Top, int Bottom, int Left, int Right) pads,
        (int H, int W) dilations, int group, bool useBias, ImportedTensor x)
    {
        if (dilations != (1, 1) || group != 1)
            throw node.Error($"has dilations {dilations} / group {group}; this build of Engine has no dilated or grouped Conv2D");
        var s = x.Shape;
        string padding = pads == (0, 0, 0, 0) ? "valid"
            : IsKerasSame(pads, s[1], s[2], kernel.H, kernel.W, strides.H, strides.W) ? "same"
            : throw node.Error($"pads by (top, bottom, left, right) = {pads}, which is neither 'valid' nor Keras's 'same'; this build of Engine has no explicit convolution padding");
        var layer = new Conv2D(filters, kernel, strides, padding, useBias: useBias, name: LayerName(node));
        Emit(node, layer, x);
        return layer;
    }

    private static Variable? ConvKernel(Layer layer) => ((Conv2D)layer).Kernel;

    private static Variable? ConvBias(Layer layer) => ((Conv2D)layer).Bias;

    private ImportedTensor ZeroPad(NodeView node, ImportedTensor x, (int Top, int Bottom, int Left, int Right) pads) =>
        throw node.Error($"needs zero padding {pads} before pooling; this build of Engine has no ZeroPadding2D layer");

    private void ClipExtended(NodeView node, ImportedTensor x, float min, float max) =>
        throw node.Error($"clips to [{min}, {max}]; only Clip(0, ∞) (ReLU) is supported by this build of Engine");

    private void ReshapeExtended(NodeView node, ImportedTensor x, long[] target) =>
        throw node.Error($"reshapes {Layer.WithBatch(x.OnnxShape)} to [{string.Join(", ", target)}]; only flattening reshapes (N, -1) are supported by this build of Engine");

    /// <summary>The scalar constant operand of a two-input Add/Mul, if it has one.</summary>
    private OnnxConstant? ScalarOperand(NodeView node)
    {
        if (node.Inputs.Count != 2) return null;
        var constants = node.Inputs.Where(_constants.ContainsKey).Select(n => _constants[n]).ToList();
        return constants.Count == 1 && constants[0].Count == 1 && constants[0].Floats is not null ? constants[0] : null;
    }

    private void ImportExtendedNode(NodeView node)
    {
        switch (node.Op)
        {
            case "Add" or "Mul" when ScalarOperand(node) is { } scalar:
                // x·s or x + s with a scalar constant (Engine's own Rescaling exports as these).
                var x = Tensor(node, node.Inputs.First(n => n != scalar.Name));
                var v = scalar.RequireFloats($"{node.Op} operand")[0];
                Emit(node, node.Op == "Mul" ? new Rescaling(v, 0, name: LayerName(node)) : new Rescaling(1, v, name: LayerName(node)), x,
                    x.OnnxShape, nonNegative: x.NonNegative && (node.Op == "Mul" ? v >= 0 : v >= 0));
                break;
            case "Add" or "Sum" or "Mul" or "Concat":
                throw node.Error("merges several tensors; this build of Engine has no merge layers (Add, Multiply, Concatenate)");
            case "LeakyRelu":
                throw node.Error("is a leaky ReLU; this build of Engine has no LeakyReLU layer");
            case "Pad":
                throw node.Error("pads its input; this build of Engine has no ZeroPadding2D layer");
            default:
                throw Unsupported(node);
        }
    }
}
