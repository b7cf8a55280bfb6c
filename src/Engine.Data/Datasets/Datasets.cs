namespace Engine.Data;

/// <summary>Makes datasets from image files, with Keras's names and defaults.</summary>
public static class Datasets
{
    /// <summary>Keras's <c>image_dataset_from_directory</c>: one sub-folder per class, class names in
    /// ordinal order (or <paramref name="classNames"/>, a subset of the folders, in that order), PNG /
    /// JPEG / BMP / GIF files found recursively, decoded to <paramref name="colorMode"/> and resized
    /// bilinearly to <paramref name="imageSize"/> (default 256x256). Images come out as float32 NCHW
    /// with values 0..255 (as in Keras). With <paramref name="validationSplit"/> and
    /// <paramref name="subset"/>, call once per subset with the same seed; the subsets never overlap.
    /// Every file is checked up front (header and end marker) and problems are reported with path
    /// and reason: by default as a <see cref="DataValidationException"/> before any batch, or with
    /// <paramref name="onBadFile"/> = Skip as one warning and the list in <see cref="ImageDataset.Skipped"/>.
    /// Messages ("Found 120 files belonging to 3 classes.") go to <paramref name="log"/> (default: the console).
    /// <paramref name="fullDecodeCheck"/> also decodes every file up front, so that damage inside the
    /// compressed data is found before training instead of in the middle of an epoch.</summary>
    public static ImageDataset ImageDatasetFromDirectory(
        string directory,
        LabelMode labelMode = LabelMode.Int,
        IReadOnlyList<string>? classNames = null,
        ColorMode colorMode = ColorMode.Rgb,
        int batchSize = 32,
        (int Height, int Width)? imageSize = null,
        bool shuffle = true,
        int? seed = null,
        double validationSplit = 0,
        Subset? subset = null,
        bool cropToAspectRatio = false,
        Augmentation? augmentation = null,
        BadFilePolicy onBadFile = BadFilePolicy.Error,
        Action<string>? log = null,
        bool fullDecodeCheck = false)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (labelMode == LabelMode.MultiHot)
            throw new ArgumentException("labelMode MultiHot needs several labels per image, which folders cannot express; use Datasets.MultiLabelFromCsv.", nameof(labelMode));
        var size = CheckCommon(batchSize, imageSize, colorMode, validationSplit, subset, shuffle, seed, augmentation);
        var write = log ?? Console.WriteLine;

        var index = DirectoryIndex.Scan(directory, classNames, fullDecodeCheck);
        var root = Path.GetFullPath(directory);
        if (labelMode == LabelMode.Binary && index.Vocabulary.Count != 2)
            throw new ArgumentException($"labelMode Binary needs exactly 2 classes; found {index.Vocabulary.Count}: {string.Join(", ", index.Vocabulary.Names)}.", nameof(labelMode));
        var skipped = ApplyPolicy(root, index, onBadFile, write, "files");
        write($"Found {index.Paths.Count} files belonging to {index.Vocabulary.Count} classes.");

        var (chosen, seedValue) = Choose(index.Paths.Count, validationSplit, subset, shuffle, seed, write);
        var targets = new ClassTargets(chosen.Select(i => index.Classes[i]).ToArray(), index.Vocabulary.Count, labelMode);
        return new ImageDataset(root, chosen.Select(i => index.Paths[i]).ToArray(), targets, index.Vocabulary, colorMode, size,
            cropToAspectRatio, batchSize, shuffle, seedValue, onBadFile, skipped, write) { Augmentation = augmentation };
    }

    /// <summary>A multi-label dataset from a CSV file with rows <c>path,labels</c> (labels separated
    /// by '|' or ';', paths relative to the CSV file; an optional header row). Targets are multi-hot
    /// float32 [B, L] over the label vocabulary: <paramref name="labels"/> when given (e.g. loaded
    /// next to a checkpoint; a row with any other label is a problem), else every label in the file
    /// in ordinal order. Missing files, unknown labels and bad images are reported as in
    /// <see cref="ImageDatasetFromDirectory"/>.</summary>
    public static ImageDataset MultiLabelFromCsv(
        string csvPath,
        (int Height, int Width)? imageSize = null,
        ColorMode colorMode = ColorMode.Rgb,
        int batchSize = 32,
        bool shuffle = true,
        int? seed = null,
        double validationSplit = 0,
        Subset? subset = null,
        IReadOnlyList<string>? labels = null,
        bool cropToAspectRatio = false,
        Augmentation? augmentation = null,
        BadFilePolicy onBadFile = BadFilePolicy.Error,
        Action<string>? log = null,
        bool fullDecodeCheck = false)
    {
        ArgumentNullException.ThrowIfNull(csvPath);
        var size = CheckCommon(batchSize, imageSize, colorMode, validationSplit, subset, shuffle, seed, augmentation);
        var write = log ?? Console.WriteLine;

        var index = CsvIndex.Scan(csvPath, labels, fullDecodeCheck);
        var csv = Path.GetFullPath(csvPath);
        var skipped = ApplyPolicy(csv, index, onBadFile, write, "rows");
        write($"Found {index.Paths.Count} files with {index.Vocabulary.Count} labels.");

        var (chosen, seedValue) = Choose(index.Paths.Count, validationSplit, subset, shuffle, seed, write);
        var targets = new LabelSetTargets(chosen.Select(i => index.LabelSets[i]).ToArray(), index.Vocabulary.Count);
        return new ImageDataset(csv, chosen.Select(i => index.Paths[i]).ToArray(), targets, index.Vocabulary, colorMode, size,
            cropToAspectRatio, batchSize, shuffle, seedValue, onBadFile, skipped, write) { Augmentation = augmentation };
    }

    private static (int Height, int Width) CheckCommon(int batchSize, (int Height, int Width)? imageSize, ColorMode colorMode,
        double validationSplit, Subset? subset, bool shuffle, int? seed, Augmentation? augmentation)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be >= 1; received {batchSize}.");
        var size = imageSize ?? (256, 256);
        if (size.Height < 1 || size.Width < 1)
            throw new ArgumentOutOfRangeException(nameof(imageSize), $"imageSize must be positive (height, width); received ({size.Height}, {size.Width}).");
        _ = colorMode.Channels();
        ValidationSplit.Check(validationSplit, subset, shuffle, seed);
        augmentation?.Validate();
        return size;
    }

    /// <summary>Throws for problems under Error; under Skip logs one warning (with the count and the
    /// first problems) and returns the problems. Nothing usable at all is always an error.</summary>
    private static IReadOnlyList<DataProblem> ApplyPolicy(string source, IndexedSamples index, BadFilePolicy policy, Action<string> log, string what)
    {
        var all = index.Problems.Concat(index.EmptyClasses).ToArray();
        if (index.Paths.Count == 0)
            throw new DataValidationException(source, all.Length > 0 ? all : [new DataProblem(source, "no images found (expected .png, .jpg, .jpeg, .bmp or .gif files)")],
                all.Length > 0 ? "No usable image is left." : null);
        if (all.Length == 0) return [];
        if (policy == BadFilePolicy.Error)
            throw new DataValidationException(source, all,
                "Fix or remove these files, or pass onBadFile: BadFilePolicy.Skip to leave them out (with a warning). Nothing on disk was changed.");
        if (index.Problems.Count > 0)
        {
            var total = index.Paths.Count + index.Problems.Count;
            log($"Warning: skipped {index.Problems.Count} of {total} {what} in {source}:" +
                string.Concat(index.Problems.Take(DataValidationException.MaxListed).Select(p => $"\n  - {p}")) +
                (index.Problems.Count > DataValidationException.MaxListed ? $"\n  ... and {index.Problems.Count - DataValidationException.MaxListed} more" : ""));
        }
        foreach (var empty in index.EmptyClasses) log($"Warning: {empty}");
        return index.Problems;
    }

    private static (int[] Chosen, ulong Seed) Choose(int count, double validationSplit, Subset? subset, bool shuffle, int? seed, Action<string> log)
    {
        var seedValue = seed is { } s ? (ulong)s : (ulong)Random.Shared.NextInt64();
        var chosen = ValidationSplit.Select(count, validationSplit, subset, shuffle, seedValue);
        if (subset is { } which)
            log($"Using {chosen.Length} files for {(which == Subset.Training ? "training" : "validation")}.");
        return (chosen, seedValue);
    }
}
