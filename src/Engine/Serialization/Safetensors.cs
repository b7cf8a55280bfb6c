using Engine.Tensors;

namespace Engine.Serialization;

/// <summary>Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON
/// header {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, then raw little-endian data.
/// Files written here open in other tools (PyTorch's safetensors, etc.).
/// Writing: keys sorted (ordinal), data laid out in key order, the header padded with spaces so the
/// data starts on an 8-byte boundary, written atomically. Reading: every structural fact is
/// checked (header bounds, JSON, dtypes, shapes, offsets that tile the data exactly), and any
/// violation is a <see cref="CheckpointFormatException"/>.</summary>
public static partial class Safetensors
{
    /// <summary>The reserved header key for string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Upper bound on the JSON header (the reference implementation's limit), so a corrupt
    /// length never makes us allocate gigabytes.</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private static string DTypeCode(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        _ => throw new NotSupportedException($"safetensors: no code for dtype {dtype}."),
    };

    private static DType? ParseDType(string code) => code switch
    {
        "F32" => DType.Float32,
        "F64" => DType.Float64,
        "I32" => DType.Int32,
        _ => null,
    };

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this engine only reads and writes it on little-endian machines.");
    }
}
