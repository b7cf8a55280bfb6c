using System.Buffers.Binary;
using Onnx;

namespace Engine.Onnx.Import;

/// <summary>A constant of the graph (initializer or Constant node) as float32 or int64 values.</summary>
internal sealed record OnnxConstant(string Name, long[] Dims, float[]? Floats, long[]? Int64s)
{
    public long Count => Dims.Aggregate(1L, (a, d) => a * d);

    public float[] RequireFloats(string use) => Floats ?? throw new OnnxImportException($"Tensor '{Name}' ({use}) must hold floating-point values; it holds integers.");

    public long[] RequireInts(string use) => Int64s ?? throw new OnnxImportException($"Tensor '{Name}' ({use}) must hold integers; it holds floating-point values.");
}

/// <summary>Decodes TensorProto payloads (typed fields or little-endian raw_data, or external data
/// files beside the model) with every size checked before anything is allocated.</summary>
internal static class OnnxTensorReader
{
    private const long MaxElements = 1L << 30;

    public static OnnxConstant Read(TensorProto t, string? directory)
    {
        var name = t.Name;
        var dims = t.Dims.ToArray();
        if (dims.Any(d => d < 0)) throw new OnnxImportException($"Tensor '{name}' has a negative dimension: [{string.Join(", ", dims)}].");
        long count = 1;
        foreach (var d in dims)
        {
            count *= d;
            if (count > MaxElements) throw new OnnxImportException($"Tensor '{name}' claims {string.Join("x", dims)} elements, more than this importer accepts ({MaxElements}).");
        }
        var raw = t.DataLocation == TensorProto.Types.DataLocation.External ? ReadExternal(t, directory) : t.RawData.Span.ToArray();
        var type = (TensorProto.Types.DataType)t.DataType;
        switch (type)
        {
            case TensorProto.Types.DataType.Float:
                return new(name, dims, raw.Length > 0 ? FromRaw(raw, count, 4, name, (s) => BinaryPrimitives.ReadSingleLittleEndian(s)) : Exact(t.FloatData.ToArray(), count, name), null);
            case TensorProto.Types.DataType.Double:
                return new(name, dims, (raw.Length > 0 ? FromRaw(raw, count, 8, name, (s) => BinaryPrimitives.ReadDoubleLittleEndian(s)) : Exact(t.DoubleData.ToArray(), count, name))
                    .Select(v => (float)v).ToArray(), null);
            case TensorProto.Types.DataType.Int64:
                return new(name, dims, null, raw.Length > 0 ? FromRaw(raw, count, 8, name, (s) => BinaryPrimitives.ReadInt64LittleEndian(s)) : Exact(t.Int64Data.ToArray(), count, name));
            case TensorProto.Types.DataType.Int32:
                return new(name, dims, null, (raw.Length > 0 ? FromRaw(raw, count, 4, name, (s) => BinaryPrimitives.ReadInt32LittleEndian(s)) : Exact(t.Int32Data.ToArray(), count, name))
                    .Select(v => (long)v).ToArray());
            default:
                throw new OnnxImportException($"Tensor '{name}' has element type {type}; the importer reads float, double, int32 and int64 tensors.");
        }
    }

    private delegate T Decode<T>(ReadOnlySpan<byte> bytes);

    private static T[] FromRaw<T>(byte[] raw, long count, int size, string name, Decode<T> decode)
    {
        if (raw.LongLength != count * size)
            throw new OnnxImportException($"Tensor '{name}' has {raw.Length} bytes of data; its shape needs {count * size} ({count} elements of {size} bytes).");
        var values = new T[count];
        for (var i = 0; i < values.Length; i++) values[i] = decode(raw.AsSpan(i * size, size));
        return values;
    }

    private static T[] Exact<T>(T[] values, long count, string name) => values.LongLength == count ? values
        : throw new OnnxImportException($"Tensor '{name}' holds {values.Length} values; its shape needs {count}.");

    /// <summary>Reads external_data (location, offset, length) from a file in the model's directory.</summary>
    private static byte[] ReadExternal(TensorProto t, string? directory)
    {
        var info = t.ExternalData.ToDictionary(e => e.Key, e => e.Value);
        if (!info.TryGetValue("location", out var location) || string.IsNullOrEmpty(location))
            throw new OnnxImportException($"Tensor '{t.Name}' is stored externally but names no location.");
        if (directory is null)
            throw new OnnxImportException($"Tensor '{t.Name}' is stored in the external file '{location}'; load the model from its path (not from bytes) so that file can be found beside it.");
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
            throw new OnnxImportException($"Tensor '{t.Name}' names the external file '{location}', outside the model's directory; ONNX requires a relative path inside it.");
        var path = Path.Combine(directory, location);
        if (!File.Exists(path))
            throw new OnnxImportException($"Tensor '{t.Name}' is stored in the external data file '{path}', which does not exist (copy it next to the .onnx file).");
        var offset = info.TryGetValue("offset", out var o) && long.TryParse(o, out var ov) ? ov : 0;
        using var stream = File.OpenRead(path);
        var length = info.TryGetValue("length", out var l) && long.TryParse(l, out var lv) ? lv : stream.Length - offset;
        if (offset < 0 || length < 0 || offset + length > stream.Length || length > MaxElements * 8)
            throw new OnnxImportException($"Tensor '{t.Name}' asks for bytes {offset}..{offset + length} of '{path}', which has {stream.Length}.");
        var bytes = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }
}
