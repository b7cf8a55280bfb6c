using System.Buffers.Binary;
using StbImageSharp;

namespace Engine.Data;

/// <summary>The fast up-front check of one image file: it reads the header (format, size, via
/// StbImageSharp's info functions) and the last bytes (every format it accepts has an end marker or
/// a declared length, which a truncated file lacks), without decoding pixels. A file that passes
/// still might not decode (corrupt compressed data with an intact frame); datasets handle that rare
/// case per their <see cref="BadFilePolicy"/> when they reach it.</summary>
internal static class ImageFileCheck
{
    /// <summary>Extensions loaded, as in Keras's image_dataset_from_directory.</summary>
    public static readonly string[] SupportedExtensions = [".bmp", ".gif", ".jpeg", ".jpg", ".png"];

    /// <summary>Image extensions that are reported as unsupported rather than silently ignored.</summary>
    private static readonly string[] UnsupportedImageExtensions =
        [".webp", ".tif", ".tiff", ".heic", ".heif", ".avif", ".svg", ".ico", ".psd", ".tga", ".jp2", ".jxl", ".pgm", ".ppm", ".pbm", ".pnm", ".hdr", ".exr", ".dng", ".raw", ".cr2", ".nef"];

    private const int TailBytes = 1024;
    private const long MaxPixels = 1L << 28;

    public static bool IsSupportedExtension(string path) =>
        SupportedExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    public static bool IsUnsupportedImageExtension(string path) =>
        UnsupportedImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    public static string UnsupportedReason(string path) =>
        $"unsupported format '{Path.GetExtension(path)}'; supported: PNG, JPEG, BMP, GIF (.png, .jpg, .jpeg, .bmp, .gif)";

    /// <summary>Checks many files in parallel; result i is null or the reason file i is bad. With
    /// <paramref name="fullDecode"/> a file that passes the fast check is also decoded completely, which
    /// finds damage inside the compressed data (slower: every pixel is decoded once more).</summary>
    public static string?[] Problems(IReadOnlyList<string> paths, bool fullDecode = false)
    {
        var results = new string?[paths.Count];
        Parallel.For(0, paths.Count, i => results[i] = Problem(paths[i]) ?? (fullDecode ? DecodeProblem(paths[i]) : null));
        return results;
    }

    /// <summary>Null when the whole file decodes; otherwise the decoder's reason.</summary>
    public static string? DecodeProblem(string path)
    {
        try
        {
            ImageLoader.DecodeInto(path, ColorMode.Grayscale, 1, 1, false, new float[1]);
            return null;
        }
        catch (SampleLoadException e)
        {
            return e.Problem.Reason;
        }
    }

    /// <summary>Null when the file looks like a complete image; otherwise the reason it does not.</summary>
    public static string? Problem(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
            if (file.Length == 0) return "empty file (0 bytes)";
            Span<byte> head = stackalloc byte[64];
            head = head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
            var format = Sniff(head);
            if (format is null)
                return OtherFormat(head) is { } other
                    ? $"unsupported format ({other} content); supported: PNG, JPEG, BMP, GIF"
                    : $"not a PNG, JPEG, BMP or GIF image (unrecognised content starting {Hex(head[..Math.Min(8, head.Length)])})";

            file.Position = 0;
            ImageInfo? info;
            try
            {
                info = ImageInfo.FromStream(file);
            }
            catch (Exception)
            {
                info = null;
            }
            if (info is not { } i || i.Width < 1 || i.Height < 1)
                return $"corrupt {format} header: the image size could not be read (truncated or damaged file, {file.Length} bytes)";
            if ((long)i.Width * i.Height > MaxPixels)
                return $"{format} of {i.Width}x{i.Height} pixels is larger than the {MaxPixels} pixels supported";

            return format switch
            {
                "PNG" => CheckPngTail(file),
                "JPEG" => CheckJpegTail(file),
                "GIF" => CheckGifTail(file),
                _ => CheckBmpLength(file, head),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read ({e.Message})";
        }
    }

    private static string? Sniff(ReadOnlySpan<byte> h)
    {
        if (h.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return "PNG";
        if (h.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "JPEG";
        if (h.StartsWith("GIF87a"u8) || h.StartsWith("GIF89a"u8)) return "GIF";
        if (h.StartsWith("BM"u8) && h.Length >= 30) return "BMP";
        return null;
    }

    /// <summary>Names formats the decoder cannot read, for a clearer message.</summary>
    private static string? OtherFormat(ReadOnlySpan<byte> h)
    {
        if (h.Length >= 12 && h.StartsWith("RIFF"u8) && h[8..12].SequenceEqual("WEBP"u8)) return "WebP";
        if (h.StartsWith("II*\0"u8) || h.StartsWith("MM\0*"u8)) return "TIFF";
        if (h.Length >= 12 && h[4..8].SequenceEqual("ftyp"u8)) return "HEIF/AVIF";
        if (h.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0x01, 0x00])) return "ICO";
        if (h.StartsWith("8BPS"u8)) return "Photoshop";
        if (h.StartsWith("<svg"u8) || h.StartsWith("<?xml"u8)) return "SVG/XML";
        return null;
    }

    private static string? CheckPngTail(FileStream file) =>
        Tail(file).IndexOf("IEND"u8) >= 0 ? null
            : $"truncated PNG: the file ({file.Length} bytes) does not end with an IEND chunk";

    private static string? CheckJpegTail(FileStream file) =>
        Tail(file).IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) >= 0 ? null
            : $"truncated JPEG: the file ({file.Length} bytes) does not end with the end-of-image marker FF D9";

    private static string? CheckGifTail(FileStream file)
    {
        var tail = Tail(file).TrimEnd((byte)0);
        return tail.Length > 0 && tail[^1] == 0x3B ? null
            : $"truncated GIF: the file ({file.Length} bytes) does not end with the trailer byte 0x3B";
    }

    /// <summary>Uncompressed BMPs declare where the pixels start and how many rows of what width
    /// follow; a file shorter than that is truncated.</summary>
    private static string? CheckBmpLength(FileStream file, ReadOnlySpan<byte> h)
    {
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(h[10..]);
        var width = BinaryPrimitives.ReadInt32LittleEndian(h[18..]);
        var height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(h[22..]));
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
        var compression = h.Length >= 34 ? BinaryPrimitives.ReadUInt32LittleEndian(h[30..]) : 0;
        if (compression is not (0 or 3 or 6)) return null; // RLE and embedded JPEG/PNG: no fixed length
        var stride = ((long)width * bits + 31) / 32 * 4;
        var needed = offset + stride * height;
        return file.Length >= needed ? null
            : $"truncated BMP: the header declares {width}x{height} at {bits} bits per pixel ({needed} bytes) but the file has {file.Length} bytes";
    }

    private static ReadOnlySpan<byte> Tail(FileStream file)
    {
        var n = (int)Math.Min(TailBytes, file.Length);
        var buffer = new byte[n];
        file.Position = file.Length - n;
        file.ReadExactly(buffer);
        return buffer;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes) is var s
        ? string.Join(" ", Enumerable.Range(0, s.Length / 2).Select(i => s.Substring(2 * i, 2)))
        : "";
}
