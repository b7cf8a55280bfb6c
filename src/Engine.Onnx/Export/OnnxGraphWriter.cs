using Google.Protobuf;
using Onnx;
using Engine.Tensors;

namespace Engine.Onnx.Export;

/// <summary>Collects the nodes and initializers of one ONNX graph while a model is exported. Names
/// are unique within the graph: a layer's main node and its output tensor carry the layer's name,
/// helper nodes and constants get "layer/what".</summary>
public sealed class OnnxGraphWriter
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    internal OnnxGraphWriter(GraphProto graph) => Graph = graph;

    internal GraphProto Graph { get; }

    /// <summary>A name not used yet in this graph, starting from <paramref name="wanted"/>.</summary>
    public string Unique(string wanted)
    {
        var name = wanted;
        for (var k = 1; !_names.Add(name); k++) name = $"{wanted}_{k}";
        return name;
    }

    /// <summary>Adds a node and returns the name of its (single) output tensor.</summary>
    public string Node(string opType, string name, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes)
    {
        var nodeName = Unique(name);
        var node = new NodeProto { OpType = opType, Name = nodeName };
        node.Input.AddRange(inputs);
        node.Output.Add(nodeName);
        foreach (var a in attributes) node.Attribute.Add(a.Proto);
        Graph.Node.Add(node);
        return nodeName;
    }

    /// <summary>Adds a float32 initializer from a weight tensor (copied to the host, any device).</summary>
    public string Weight(string name, Tensor value) => Constant(name, value.ToFloatArray(), value.Shape.ToArray());

    /// <summary>Adds a float32 initializer with the given dims (empty dims: a scalar).</summary>
    public string Constant(string name, float[] values, int[] dims)
    {
        var t = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Float };
        foreach (var d in dims) t.Dims.Add(d);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian; this machine is not.");
        t.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds an int64 initializer (shapes for Reshape, pads for Pad, …).</summary>
    public string Int64Constant(string name, long[] values)
    {
        var t = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    internal void Reserve(string name)
    {
        if (!_names.Add(name)) throw new OnnxExportException($"ONNX graph name '{name}' is used twice.");
    }
}

/// <summary>One node attribute (ints, int, float or string), as ONNX spells them.</summary>
public readonly struct OnnxAttribute
{
    private OnnxAttribute(AttributeProto proto) => Proto = proto;

    internal AttributeProto Proto { get; }

    public static OnnxAttribute Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return new(a);
    }

    public static OnnxAttribute Int(string name, long value) => new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    public static OnnxAttribute Float(string name, float value) => new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    public static OnnxAttribute String(string name, string value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });
}
