using Engine.Layers;

namespace Engine.Onnx.Export;

/// <summary>One application of a layer while exporting: the ONNX tensor names of its inputs and the
/// per-sample shapes (batch excluded, channels-first) of its inputs and output.</summary>
public sealed record LayerCall(Layer Layer, IReadOnlyList<string> Inputs, IReadOnlyList<int[]> InputShapes, int[] OutputShape)
{
    public string Input => Inputs.Count == 1 ? Inputs[0]
        : throw new OnnxExportException($"Layer '{Layer.Name}' ({Layer.ClassName}) takes one input here; received {Inputs.Count}.");

    public int[] InputShape => InputShapes[0];
}
