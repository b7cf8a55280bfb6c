using StbImageWriteSharp;

namespace Engine.Data.Tests;

/// <summary>Writes small test images: PNG, JPEG and BMP with StbImageWriteSharp, GIF with a minimal
/// encoder of our own (the writer has none). Pixels are HWC bytes.</summary>
internal static class TestImages
{
    /// <summary>A deterministic pattern: distinct per (seed, x, y, channel).</summary>
    public static byte[] Pattern(int width, int height, int channels, int seed)
    {
        var data = new byte[width * height * channels];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                for (var c = 0; c < channels; c++)
                    data[(y * width + x) * channels + c] = (byte)((seed * 37 + x * 11 + y * 5 + c * 71) % 251);
        return data;
    }

    public static byte[] Png(int width, int height, int channels, byte[] pixels) =>
        Encode(s => new ImageWriter().WritePng(pixels, width, height, Components(channels), s));

    public static byte[] Jpeg(int width, int height, int channels, byte[] pixels, int quality = 90) =>
        Encode(s => new ImageWriter().WriteJpg(pixels, width, height, Components(channels), s, quality));

    public static byte[] Bmp(int width, int height, int channels, byte[] pixels) =>
        Encode(s => new ImageWriter().WriteBmp(pixels, width, height, Components(channels), s));

    public static string WritePng(string path, int width, int height, int channels = 3, int seed = 0, byte[]? pixels = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Png(width, height, channels, pixels ?? Pattern(width, height, channels, seed)));
        return path;
    }

    /// <summary>A grayscale GIF: 256-entry gray palette, LZW with 9-bit codes only (a clear code every
    /// 254 pixels keeps the code table from growing past 9 bits).</summary>
    public static byte[] GrayGif(int width, int height, byte[] gray)
    {
        var s = new MemoryStream();
        s.Write("GIF89a"u8);
        WriteShort(s, width);
        WriteShort(s, height);
        s.WriteByte(0xF7); // global colour table, 8 bits per colour, 256 entries
        s.WriteByte(0);
        s.WriteByte(0);
        for (var i = 0; i < 256; i++) { s.WriteByte((byte)i); s.WriteByte((byte)i); s.WriteByte((byte)i); }
        s.WriteByte(0x2C);
        WriteShort(s, 0);
        WriteShort(s, 0);
        WriteShort(s, width);
        WriteShort(s, height);
        s.WriteByte(0);
        s.WriteByte(8); // LZW minimum code size

        var codes = new List<int>();
        for (var i = 0; i < gray.Length; i++)
        {
            if (i % 254 == 0) codes.Add(256);
            codes.Add(gray[i]);
        }
        codes.Add(257);
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var code in codes)
        {
            buffer |= code << bits;
            bits += 9;
            while (bits >= 8) { bytes.Add((byte)buffer); buffer >>= 8; bits -= 8; }
        }
        if (bits > 0) bytes.Add((byte)buffer);
        for (var i = 0; i < bytes.Count; i += 255)
        {
            var n = Math.Min(255, bytes.Count - i);
            s.WriteByte((byte)n);
            s.Write(bytes.GetRange(i, n).ToArray());
        }
        s.WriteByte(0);
        s.WriteByte(0x3B);
        return s.ToArray();
    }

    private static void WriteShort(Stream s, int v)
    {
        s.WriteByte((byte)v);
        s.WriteByte((byte)(v >> 8));
    }

    private static ColorComponents Components(int channels) => channels switch
    {
        1 => ColorComponents.Grey,
        2 => ColorComponents.GreyAlpha,
        3 => ColorComponents.RedGreenBlue,
        4 => ColorComponents.RedGreenBlueAlpha,
        _ => throw new ArgumentOutOfRangeException(nameof(channels)),
    };

    private static byte[] Encode(Action<Stream> write)
    {
        var s = new MemoryStream();
        write(s);
        return s.ToArray();
    }
}
