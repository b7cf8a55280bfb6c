using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Engine.Tensors;

namespace Engine.Serialization;

public static partial class Safetensors
{
    /// <summary>One tensor's entry in the header, checked.</summary>
    private readonly record struct Entry(string Name, DType DType, int[] Shape, long Begin, long End);

    /// <summary>Loads every tensor (as CPU tensors) and the metadata (empty when absent). A file that
    /// is not valid safetensors, or uses a dtype other than F32, F64 or I32, gives a
    /// <see cref="CheckpointFormatException"/> naming the file and the problem.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Like <see cref="Load(string)"/> from a seekable stream that holds exactly one file;
    /// <paramref name="sourceName"/> names it in errors.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(Stream stream, string sourceName = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead)
            throw new ArgumentException("Safetensors.Read needs a readable, seekable stream (a file or a MemoryStream).", nameof(stream));
        RequireLittleEndian();
        CheckpointFormatException Bad(string problem, Exception? inner = null) => new(sourceName, problem, inner);

        var fileLength = stream.Length - stream.Position;
        if (fileLength < 8)
            throw Bad($"the file has {fileLength} bytes, too few for the 8-byte header length.");
        Span<byte> lengthField = stackalloc byte[8];
        stream.ReadExactly(lengthField);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthField);
        if (headerLength > (ulong)(fileLength - 8))
            throw Bad($"the header length is {headerLength} bytes, beyond the end of the file ({fileLength} bytes); the file is truncated or corrupted.");
        if (headerLength > MaxHeaderBytes)
            throw Bad($"the header length is {headerLength} bytes; at most {MaxHeaderBytes} are allowed.");
        if (headerLength < 2)
            throw Bad($"the header length is {headerLength} bytes; the JSON header needs at least '{{}}'.");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var dataLength = fileLength - 8 - (long)headerLength;

        var (entries, metadata) = ParseHeader(headerBytes, dataLength, Bad);
        CheckTiling(entries, dataLength, Bad);

        var dataStart = stream.Position;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var e in entries.OrderBy(e => e.Begin))
        {
            stream.Position = dataStart + e.Begin;
            var shape = new Shape(e.Shape);
            Tensor t = e.DType switch
            {
                DType.Float32 => Tensor.Wrap(ReadArray<float>(stream, shape.Size), shape),
                DType.Float64 => Tensor.Wrap(ReadArray<double>(stream, shape.Size), shape),
                _ => Tensor.Wrap(ReadArray<int>(stream, shape.Size), shape),
            };
            tensors[e.Name] = t;
        }
        return (tensors, metadata);
    }

    private static T[] ReadArray<T>(Stream stream, int count) where T : unmanaged
    {
        var a = new T[count];
        stream.ReadExactly(MemoryMarshal.AsBytes(a.AsSpan()));
        return a;
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(
        byte[] headerBytes, long dataLength, Func<string, Exception?, CheckpointFormatException> bad)
    {
        // JsonDocument checks UTF-8 only when a string is read; check it all up front instead.
        if (!System.Text.Unicode.Utf8.IsValid(headerBytes))
            throw bad("the header is not valid UTF-8 text.", null);
        using var doc = ParseJson(headerBytes, bad);
        try
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw bad($"the header is a JSON {Kind(root)}; expected an object.", null);
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw bad($"the header names '{property.Name}' twice.", null);
                if (property.Name == MetadataKey)
                    ReadMetadata(property.Value, metadata, bad);
                else
                    entries.Add(ReadEntry(property.Name, property.Value, dataLength, bad));
            }
            return (entries, metadata);
        }
        catch (InvalidOperationException e)
        {
            // An escaped string that is not valid UTF-16 (a lone surrogate such as \ud800).
            throw bad($"the header holds a string that cannot be decoded ({e.Message})", e);
        }
    }

    private static JsonDocument ParseJson(byte[] headerBytes, Func<string, Exception?, CheckpointFormatException> bad)
    {
        try
        {
            return JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw bad($"the header is not valid JSON ({e.Message})", e);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, Func<string, Exception?, CheckpointFormatException> bad)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw bad($"'{MetadataKey}' is a JSON {Kind(value)}; expected an object of strings.", null);
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw bad($"metadata '{p.Name}' is a JSON {Kind(p.Value)}; metadata values must be strings.", null);
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!))
                throw bad($"metadata names '{p.Name}' twice.", null);
        }
    }

    private static Entry ReadEntry(string name, JsonElement value, long dataLength, Func<string, Exception?, CheckpointFormatException> bad)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw bad($"tensor '{name}' is a JSON {Kind(value)}; expected an object with dtype, shape and data_offsets.", null);
        JsonElement Field(string key) =>
            value.TryGetProperty(key, out var f) ? f : throw bad($"tensor '{name}' has no '{key}'.", null);

        var dtypeElement = Field("dtype");
        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw bad($"tensor '{name}' has a dtype that is a JSON {Kind(dtypeElement)}; expected a string such as \"F32\".", null);
        var code = dtypeElement.GetString()!;
        var dtype = ParseDType(code) ?? throw bad($"tensor '{name}' has dtype '{code}'; this engine reads F32, F64 and I32.", null);

        var shapeElement = Field("shape");
        if (shapeElement.ValueKind != JsonValueKind.Array)
            throw bad($"tensor '{name}' has a shape that is a JSON {Kind(shapeElement)}; expected an array of sizes.", null);
        var shape = new List<int>();
        long size = 1;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var dim) || dim < 0)
                throw bad($"tensor '{name}' has shape {shapeElement.GetRawText()}; every size must be a whole number >= 0.", null);
            shape.Add(dim);
            size *= dim;
            if (size > int.MaxValue)
                throw bad($"tensor '{name}' has shape {shapeElement.GetRawText()}, more than {int.MaxValue} elements.", null);
        }
        if (shape.Count > 32)
            throw bad($"tensor '{name}' has rank {shape.Count}; at most 32 dimensions are supported.", null);

        var offsets = Field("data_offsets");
        if (offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < 0)
            throw bad($"tensor '{name}' has data_offsets {offsets.GetRawText()}; expected [begin, end] with whole numbers >= 0.", null);
        if (begin > end)
            throw bad($"tensor '{name}' has data_offsets [{begin}, {end}]: begin is after end.", null);
        if (end > dataLength)
            throw bad($"tensor '{name}' has data_offsets [{begin}, {end}], beyond the {dataLength} data bytes in the file; the file is truncated or corrupted.", null);
        var expected = size * dtype.SizeInBytes();
        if (end - begin != expected)
            throw bad($"tensor '{name}' ({code}, shape {Shape.Format(shape)}) needs {expected} bytes, but its data_offsets [{begin}, {end}] span {end - begin}.", null);
        return new Entry(name, dtype, shape.ToArray(), begin, end);
    }

    /// <summary>The spec requires the tensors to cover the data exactly: no overlaps, no holes, no trailing bytes.</summary>
    private static void CheckTiling(List<Entry> entries, long dataLength, Func<string, Exception?, CheckpointFormatException> bad)
    {
        long cursor = 0;
        string? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < cursor)
                throw bad($"tensor '{e.Name}' (bytes {e.Begin}..{e.End}) overlaps tensor '{previous}' (which ends at {cursor}).", null);
            if (e.Begin > cursor)
                throw bad($"the data has a hole: bytes {cursor}..{e.Begin} belong to no tensor (before '{e.Name}').", null);
            cursor = e.End;
            previous = e.Name;
        }
        if (cursor != dataLength)
            throw bad($"the file has {dataLength - cursor} bytes after the last tensor's data (tensors cover {cursor} of {dataLength} data bytes).", null);
    }

    private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();
}
