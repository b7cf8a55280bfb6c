using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Engine.Tensors;

namespace Engine.Serialization;

public static partial class Safetensors
{
    /// <summary>Saves tensors (from any device; they are copied to the host) and optional string
    /// metadata to <paramref name="path"/>, atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = BuildHeader(tensors, metadata, out var order);
        AtomicFile.Write(path, stream => WriteBody(stream, header, order, tensors));
    }

    /// <summary>Writes the same bytes as <see cref="Save"/> to any stream.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var header = BuildHeader(tensors, metadata, out var order);
        WriteBody(stream, header, order, tensors);
    }

    /// <summary>The JSON header, space-padded so that 8 + its length is a multiple of 8.</summary>
    private static byte[] BuildHeader(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata, out string[] order)
    {
        RequireLittleEndian();
        order = tensors.Keys.Order(StringComparer.Ordinal).ToArray();
        foreach (var name in order)
        {
            if (name == MetadataKey)
                throw new ArgumentException($"'{MetadataKey}' is reserved for metadata and cannot name a tensor.", nameof(tensors));
            if (tensors[name] is null)
                throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
        }

        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var key in metadata.Keys.Order(StringComparer.Ordinal))
                    w.WriteString(key, metadata[key] ?? throw new ArgumentException($"Metadata '{key}' is null.", nameof(metadata)));
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var name in order)
            {
                var t = tensors[name];
                var bytes = (long)t.Size * t.DType.SizeInBytes();
                w.WriteStartObject(name);
                w.WriteString("dtype", DTypeCode(t.DType));
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        var length = (int)json.Length;
        var padded = (length + 7) / 8 * 8; // 8 (the length field) + padded is then a multiple of 8
        var header = new byte[padded];
        json.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private static void WriteBody(Stream stream, byte[] header, string[] order, IReadOnlyDictionary<string, Tensor> tensors)
    {
        Span<byte> lengthField = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(lengthField, (ulong)header.Length);
        stream.Write(lengthField);
        stream.Write(header);
        foreach (var name in order)
        {
            stream.Write(TensorBytes.Of(tensors[name]));
        }
    }
}
