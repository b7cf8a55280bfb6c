using System.Buffers.Binary;
using System.IO.Compression;

namespace Engine.Data;

/// <summary>Reads idx files (the format of the MNIST and Fashion-MNIST downloads), gzipped or not:
/// a big-endian magic number 0x00000800 | ndims (0x801 labels, 0x803 images), one big-endian uint32
/// per dimension, then the bytes. Only unsigned-byte files (type 0x08) exist in those data sets and
/// only those are read. Truncated or corrupt files fail with an <see cref="InvalidDataException"/>
/// that names the file and says what was found and what was expected.</summary>
public static class IdxReader
{
    public const int LabelsMagic = 0x801;
    public const int ImagesMagic = 0x803;

    /// <summary>Reads any unsigned-byte idx file (gzip is detected from the content, not the name).</summary>
    public static IdxData Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"idx file not found: {Path.GetFullPath(path)}", path);
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads an idx file from a stream; <paramref name="name"/> appears in error messages.</summary>
    public static IdxData Read(Stream stream, string name)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Read(buffer.ToArray(), name);
    }

    /// <summary>Reads a labels file (magic 0x801): one byte per sample.</summary>
    public static byte[] ReadLabels(string path) => Expect(Read(path), LabelsMagic, path).Data;

    /// <summary>Reads an images file (magic 0x803): [count, rows, cols] bytes.</summary>
    public static IdxData ReadImages(string path) => Expect(Read(path), ImagesMagic, path);

    internal static IdxData Expect(IdxData data, int magic, string name)
    {
        if (data.Magic != magic)
            throw new InvalidDataException(
                $"{name}: expected an idx {Describe(magic)} file (magic 0x{magic:X8}), found magic 0x{data.Magic:X8} " +
                $"({Describe(data.Magic)}, dimensions {string.Join("x", data.Dimensions)}).");
        return data;
    }

    private static string Describe(int magic) => magic switch
    {
        LabelsMagic => "labels",
        ImagesMagic => "images",
        _ => $"{magic & 0xFF}-dimensional",
    };

    internal static IdxData Read(byte[] bytes, string name)
    {
        if (bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
            bytes = Gunzip(bytes, name);
        if (bytes.Length < 4)
            throw new InvalidDataException($"{name}: {bytes.Length} bytes is too short for an idx file (a 4-byte magic number comes first): the file is truncated or empty.");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException(
                $"{name} is not an idx file: it starts with bytes {bytes[0]:X2} {bytes[1]:X2} {bytes[2]:X2} {bytes[3]:X2}; " +
                "an idx file starts with 00 00 08 0N (0x801 for labels, 0x803 for images).");
        if (bytes[2] != 0x08)
            throw new InvalidDataException(
                $"{name}: idx element type 0x{bytes[2]:X2} ({TypeName(bytes[2])}) is not supported; MNIST-format files use 0x08 (unsigned byte).");
        int rank = bytes[3];
        if (rank == 0)
            throw new InvalidDataException($"{name}: the idx header declares 0 dimensions; expected 1 (labels) or 3 (images).");
        var headerLength = 4 + 4 * rank;
        if (bytes.Length < headerLength)
            throw new InvalidDataException($"{name}: the idx header declares {rank} dimensions ({headerLength} header bytes) but the file has only {bytes.Length} bytes: it is truncated.");

        var dims = new int[rank];
        long size = 1;
        for (var i = 0; i < rank; i++)
        {
            var d = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (d > int.MaxValue)
                throw new InvalidDataException($"{name}: dimension {i} of the idx header is {d}, which is not a plausible size: the file is corrupt.");
            dims[i] = (int)d;
            size *= d;
            if (size > Array.MaxLength)
                throw new InvalidDataException($"{name}: the idx header declares dimensions {string.Join("x", dims[..(i + 1)])}..., more than {Array.MaxLength} bytes: the file is corrupt.");
        }

        var available = bytes.Length - headerLength;
        if (available < size)
            throw new InvalidDataException(
                $"{name}: the idx header declares dimensions {string.Join("x", dims)} ({size} bytes of data) but only {available} bytes follow: the file is truncated.");
        if (available > size)
            throw new InvalidDataException(
                $"{name}: the idx header declares dimensions {string.Join("x", dims)} ({size} bytes of data) but {available} bytes follow: the header and the data disagree.");
        return new IdxData(dims, bytes.AsSpan(headerLength).ToArray());
    }

    private static byte[] Gunzip(byte[] bytes, string name)
    {
        try
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gz.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"{name}: the gzip stream is corrupt or truncated ({e.Message}).", e);
        }
    }

    private static string TypeName(byte code) => code switch
    {
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown",
    };
}
