using Onnx;

namespace Engine.Onnx.Import;

/// <summary>One ONNX node with typed attribute access and errors that name the node, its op and the
/// model's opset.</summary>
internal sealed class NodeView(NodeProto node, int opset)
{
    public NodeProto Proto { get; } = node;

    public string Op => Proto.OpType;

    public int Opset { get; } = opset;

    public string Name => string.IsNullOrEmpty(Proto.Name) ? $"{Proto.OpType}→{Proto.Output.FirstOrDefault()}" : Proto.Name;

    /// <summary>Inputs that are present (ONNX marks a skipped optional input with "").</summary>
    public IReadOnlyList<string> Inputs => Proto.Input;

    public string? OptionalInput(int i) => i < Proto.Input.Count && Proto.Input[i].Length > 0 ? Proto.Input[i] : null;

    public string Input(int i) => OptionalInput(i) ?? throw Error($"needs input {i}, which is missing");

    private AttributeProto? Find(string name) => Proto.Attribute.FirstOrDefault(a => a.Name == name);

    public long Int(string name, long fallback) => Find(name) is { } a ? a.I : fallback;

    public float Float(string name, float fallback) => Find(name) is { } a ? a.F : fallback;

    public string Str(string name, string fallback) => Find(name) is { } a ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => Find(name)?.Ints.ToArray();

    public bool Has(string name) => Find(name) is not null;

    public OnnxImportException Error(string what) => new($"ONNX node '{Name}' ({Op}, opset {Opset}) {what}.");
}
