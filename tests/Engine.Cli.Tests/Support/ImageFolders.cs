using StbImageWriteSharp;

namespace Engine.Cli.Tests.Support;

/// <summary>Small class-per-folder PNG trees for CLI tests, and a PNG damaged inside its compressed
/// data (header, size and end marker intact, so only a full decode finds it).</summary>
internal static class ImageFolders
{
    public static void Write(string root, IReadOnlyList<string> classes, int perClass, int size)
    {
        for (var c = 0; c < classes.Count; c++)
        {
            var folder = Path.Combine(root, classes[c]);
            Directory.CreateDirectory(folder);
            for (var i = 0; i < perClass; i++)
                File.WriteAllBytes(Path.Combine(folder, $"{i:000}.png"), Png(size, (c * 31 + i * 7) % 251));
        }
    }

    public static byte[] Png(int size, int seed)
    {
        var pixels = new byte[size * size * 3];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)((seed * 37 + i * 13 + (i / (size * 3)) * 5) % 251);
        using var stream = new MemoryStream();
        new ImageWriter().WritePng(pixels, size, size, ColorComponents.RedGreenBlue, stream);
        return stream.ToArray();
    }

    /// <summary>A PNG whose zlib stream is garbage: the fast header/IEND check passes, decoding fails.</summary>
    public static byte[] DamagedInsidePng(int size)
    {
        var png = Png(size, 3);
        var idat = png.AsSpan().IndexOf("IDAT"u8);
        for (var i = idat + 4; i < idat + 12; i++) png[i] = 0xFF;
        return png;
    }
}
