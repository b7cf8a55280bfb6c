using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Engine.Tensors;

namespace Engine.Serialization;

/// <summary>The on-disk form of a model: one safetensors file whose tensors are the weights
/// ("weights/conv2d/kernel", …), the optimizer state ("optimizer/…") and callback state
/// ("callbacks/…"), and whose metadata holds the JSON model config, compile config and training
/// state, plus a SHA-256 of everything, so a truncated or corrupted file is always reported
/// instead of silently loading wrong numbers. Written atomically (temporary file, flush, rename).</summary>
internal static class ModelFile
{
    public const string FormatKey = "format";
    public const string Format = "engine.model/1";
    public const string DigestKey = "sha256";

    public static void Write(string path, Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata)
    {
        metadata[FormatKey] = Format;
        metadata.Remove(DigestKey);
        metadata[DigestKey] = Digest(tensors, metadata);
        Safetensors.Save(path, tensors, metadata);
    }

    /// <summary>Reads and verifies a model file; any damage is a <see cref="CheckpointFormatException"/>.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No model file at '{path}'.", path);
        Dictionary<string, Tensor> tensors;
        Dictionary<string, string> metadata;
        try
        {
            (tensors, metadata) = Safetensors.Load(path);
        }
        catch (Exception e) when (e is not (CheckpointFormatException or OutOfMemoryException or FileNotFoundException
                                       or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            // Anything else the reader trips over (EndOfStream, bad JSON, bad numbers) is damage to the file.
            throw new CheckpointFormatException(path, e.Message, e);
        }
        if (!metadata.TryGetValue(FormatKey, out var format) || format != Format)
            throw new CheckpointFormatException(path, format is null
                ? $"it has no '{FormatKey}' entry in its metadata, so it is not an Engine model file (expected '{Format}')"
                : $"its format is '{Truncate(format)}'; expected '{Format}'");
        if (!metadata.TryGetValue(DigestKey, out var stored))
            throw new CheckpointFormatException(path, $"it has no '{DigestKey}' checksum in its metadata");
        var actual = Digest(tensors, metadata);
        if (!string.Equals(stored, actual, StringComparison.Ordinal))
            throw new CheckpointFormatException(path, "its SHA-256 checksum does not match its contents: the file was corrupted or changed after it was saved");
        return (tensors, metadata);
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "…";

    /// <summary>SHA-256 over the metadata (sorted, checksum excluded) and every tensor (sorted by
    /// name: name, dtype, shape, raw little-endian bytes).</summary>
    internal static string Digest(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string s)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(s));
            hash.AppendData([0]);
        }
        foreach (var (k, v) in metadata.Where(kv => kv.Key != DigestKey).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Text(k);
            Text(v);
        }
        foreach (var (k, t) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Text(k);
            Text($"{t.DType.Name()}{t.Shape}");
            hash.AppendData(TensorBytes.Of(t));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
