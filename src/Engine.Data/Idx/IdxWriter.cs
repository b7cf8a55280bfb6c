using System.Buffers.Binary;
using System.IO.Compression;

namespace Engine.Data;

/// <summary>Writes unsigned-byte idx files (the inverse of <see cref="IdxReader"/>), gzipped when the
/// path ends in ".gz". The file appears whole or not at all: it is written to a temporary file and
/// then renamed.</summary>
public static class IdxWriter
{
    public static void Write(string path, IdxData data)
    {
        var bytes = ToBytes(data);
        var temp = path + ".tmp";
        using (var file = File.Create(temp))
        {
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                using var gz = new GZipStream(file, CompressionLevel.Optimal);
                gz.Write(bytes);
            }
            else
            {
                file.Write(bytes);
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The uncompressed file contents: header then data.</summary>
    public static byte[] ToBytes(IdxData data)
    {
        long size = 1;
        foreach (var d in data.Dimensions)
        {
            if (d < 0) throw new ArgumentException($"idx dimensions must be >= 0; received {string.Join("x", data.Dimensions)}.", nameof(data));
            size *= d;
        }
        if (data.Dimensions.Length is 0 or > 255)
            throw new ArgumentException($"an idx file has 1 to 255 dimensions; received {data.Dimensions.Length}.", nameof(data));
        if (size != data.Data.Length)
            throw new ArgumentException($"idx dimensions {string.Join("x", data.Dimensions)} need {size} bytes; the data has {data.Data.Length}.", nameof(data));
        var header = 4 + 4 * data.Dimensions.Length;
        var bytes = new byte[header + data.Data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, data.Magic);
        for (var i = 0; i < data.Dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), data.Dimensions[i]);
        data.Data.CopyTo(bytes, header);
        return bytes;
    }
}
