namespace Engine.Data;

/// <summary>Loads MNIST-format data sets (MNIST, Fashion-MNIST, the embedded digits) from the four
/// idx files as they are published, gzipped or not.</summary>
public static class Mnist
{
    /// <summary>Loads train and test from <paramref name="directory"/>, which holds
    /// train-images-idx3-ubyte, train-labels-idx1-ubyte and t10k-* (or test-*) files, each optionally
    /// ".gz" (the separator before "idx" may also be a dot, as some unpackers write it). Pixels are
    /// scaled to 0..1 when <paramref name="rescale"/> (the usual x / 255), else kept 0..255.
    /// <paramref name="classNames"/> default to "0".."9".</summary>
    public static DatasetSplit Load(string directory, bool rescale = true, IReadOnlyList<string>? classNames = null)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"MNIST directory not found: {Path.GetFullPath(directory)}");
        var train = LoadImages(Find(directory, "train", "images-idx3"), Find(directory, "train", "labels-idx1"), rescale, classNames);
        var testPrefix = FindOrNull(directory, "t10k", "images-idx3") is not null ? "t10k" : "test";
        var test = LoadImages(Find(directory, testPrefix, "images-idx3"), Find(directory, testPrefix, "labels-idx1"), rescale, classNames);
        return new DatasetSplit(train, test);
    }

    /// <summary>Loads one images file (magic 0x803) with its labels file (magic 0x801).</summary>
    public static LabeledImages LoadImages(string imagesPath, string labelsPath, bool rescale = true, IReadOnlyList<string>? classNames = null) =>
        FromIdx(IdxReader.ReadImages(imagesPath), IdxReader.ReadLabels(labelsPath), imagesPath, labelsPath, rescale, classNames);

    internal static LabeledImages FromIdx(IdxData images, byte[] labels, string imagesName, string labelsName, bool rescale, IReadOnlyList<string>? classNames)
    {
        if (images.Count != labels.Length)
            throw new InvalidDataException($"{imagesName} holds {images.Count} images but {labelsName} holds {labels.Length} labels; they must pair up.");
        var names = classNames ?? Enumerable.Range(0, Math.Max(10, labels.Length == 0 ? 0 : labels.Max() + 1)).Select(i => i.ToString()).ToArray();
        var bad = labels.FirstOrDefault(l => l >= names.Count);
        if (labels.Any(l => l >= names.Count))
            throw new InvalidDataException($"{labelsName} contains label {bad}, but only {names.Count} classes are named ({string.Join(", ", names)}).");
        // Division (not multiplication by 1/255) gives the correctly rounded x / 255 that Keras users compute.
        var divisor = rescale ? 255f : 1f;
        var pixels = new float[images.Data.Length];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = images.Data[i] / divisor;
        return new LabeledImages(pixels, images.Count, 1, images.Dimensions[1], images.Dimensions[2], labels.Select(l => (int)l).ToArray(), names);
    }

    private static string Find(string directory, string prefix, string kind) =>
        FindOrNull(directory, prefix, kind) ?? throw new FileNotFoundException(
            $"{Path.GetFullPath(directory)} has no {prefix}-{kind}-ubyte file (looked for {prefix}-{kind}-ubyte, {prefix}-{kind.Replace('-', '.')}-ubyte, each also with .gz).");

    private static string? FindOrNull(string directory, string prefix, string kind)
    {
        foreach (var name in new[] { $"{prefix}-{kind}-ubyte", $"{prefix}-{kind.Replace('-', '.')}-ubyte" })
            foreach (var ext in new[] { "", ".gz" })
            {
                var path = Path.Combine(directory, name + ext);
                if (File.Exists(path)) return path;
            }
        return null;
    }
}
