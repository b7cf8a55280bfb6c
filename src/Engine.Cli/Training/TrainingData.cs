using Engine.Data;
using Engine.Models;

namespace Engine.Cli.Training;

/// <summary>The data of a run: training and validation batches, the test set that the final accuracy
/// is reported on, the class (or label) names and what the model's input looks like.</summary>
internal sealed record TrainingData(
    BatchedDataset Train,
    BatchedDataset Validation,
    BatchedDataset Test,
    string TestDescription,
    LabelVocabulary Vocabulary,
    int Channels,
    int Size,
    IReadOnlyList<int>? TrainLabels,
    float[]? TrainMultiHot)
{
    /// <summary>The run's data, with every image fully decoded up front (so a damaged file stops the
    /// run before anything is written, or is skipped under --on-bad-file skip) and a split that
    /// leaves at least one training and one validation image.</summary>
    public static TrainingData Load(TrainSettings s, Action<string> log)
    {
        TrainingData data;
        try
        {
            data = LoadUnchecked(s, log);
        }
        catch (DataValidationException e)
        {
            throw new UsageException(e.WithHint(s.OnBadFile == "skip"
                ? "No usable image is left after skipping these. Nothing was written."
                : "Fix or remove these files, or pass --on-bad-file skip to leave them out (with a warning). Nothing was written.").Message);
        }
        CheckSplit(s, data);
        return data;
    }

    private static void CheckSplit(TrainSettings s, TrainingData d) => CheckSplit(s, d.Train.Count, d.Validation.Count);

    private static void CheckSplit(TrainSettings s, int train, int validation)
    {
        var total = train + validation;
        if (train > 0 && validation > 0) return;
        var which = train == 0 ? "no training image" : "no validation image";
        throw new UsageException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"--validation-split {s.ValidationSplit} leaves {which} ({train} training, {validation} validation of {total}); " +
            $"both need at least one. Choose a split between {1.0 / Math.Max(total, 1):0.####} and {1 - 1.0 / Math.Max(total, 1):0.####}, or use more data. Nothing was written."));
    }

    private static TrainingData LoadUnchecked(TrainSettings s, Action<string> log)
    {
        var augmentation = s.Augment ? AugmentationFor(s) : null;
        if (s.UsesDigits) return Digits(s, augmentation);
        var policy = s.OnBadFile == "skip" ? BadFilePolicy.Skip : BadFilePolicy.Error;

        var color = s.Grayscale ? ColorMode.Grayscale : ColorMode.Rgb;
        var channels = s.Grayscale ? 1 : 3;
        var size = (s.ImageSize, s.ImageSize);
        ImageDataset train, val;
        if (s.Labels is { } csv)
        {
            train = Datasets.MultiLabelFromCsv(csv, size, color, s.BatchSize, shuffle: true, seed: s.Seed, validationSplit: s.ValidationSplit,
                subset: Subset.Training, augmentation: augmentation, onBadFile: policy, log: log, fullDecodeCheck: true);
            val = Datasets.MultiLabelFromCsv(csv, size, color, s.BatchSize, shuffle: true, seed: s.Seed, validationSplit: s.ValidationSplit,
                subset: Subset.Validation, labels: train.ClassNames, onBadFile: policy, log: log, fullDecodeCheck: true);
            return new TrainingData(train, val, val, "validation split (the CSV has no separate test set)", train.Vocabulary, channels, s.ImageSize, null, train.MultiHotTargets());
        }
        train = Datasets.ImageDatasetFromDirectory(s.Data!, LabelMode.Int, null, color, s.BatchSize, size, shuffle: true, seed: s.Seed,
            validationSplit: s.ValidationSplit, subset: Subset.Training, augmentation: augmentation, onBadFile: policy, log: log, fullDecodeCheck: true);
        val = Datasets.ImageDatasetFromDirectory(s.Data!, LabelMode.Int, train.ClassNames, color, s.BatchSize, size, shuffle: true, seed: s.Seed,
            validationSplit: s.ValidationSplit, subset: Subset.Validation, onBadFile: policy, log: log, fullDecodeCheck: true);
        train.Cache = true;
        val.Cache = true;
        return new TrainingData(train, val, val, "validation split (the folder has no separate test set)", train.Vocabulary, channels, s.ImageSize, train.Labels, null);
    }

    /// <summary>The embedded digits: 8,000 train (the last ValidationSplit of them validate) and
    /// 2,000 test images, as pixel values 0..255 (the seed model rescales).</summary>
    private static TrainingData Digits(TrainSettings s, Augmentation? augmentation)
    {
        var split = Data.Digits.Load(rescale: false);
        var all = split.Train;
        if (s.Limit is { } limit && limit < all.Count) all = all.Slice(0, limit);
        var valCount = Math.Min(all.Count, Math.Max(1, (int)Math.Round(all.Count * s.ValidationSplit)));
        CheckSplit(s, all.Count - valCount, valCount);
        var train = all.Slice(0, all.Count - valCount);
        var val = all.Slice(all.Count - valCount, valCount);
        var test = s.Limit is { } l && l < split.Test.Count ? split.Test.Slice(0, l) : split.Test;
        return new TrainingData(
            train.ToDataset(s.BatchSize, shuffle: true, seed: s.Seed, augmentation: augmentation),
            val.ToDataset(s.BatchSize, shuffle: false),
            test.ToDataset(s.BatchSize, shuffle: false),
            $"{test.Count} held-out test digits",
            train.Vocabulary, 1, 28, train.Labels, null);
    }

    private static Augmentation AugmentationFor(TrainSettings s) => new()
    {
        RotationRange = 10,
        WidthShiftRange = 0.1,
        HeightShiftRange = 0.1,
        ZoomRange = 0.1,
        // Digits and text change meaning when mirrored; photos of objects do not.
        HorizontalFlip = !s.UsesDigits,
    };
}
