namespace Engine.Data;

/// <summary>Images read from files (a class-per-folder tree or a multi-label CSV), decoded, resized
/// and augmented per batch on background threads. X holds float32 NCHW values 0..255, as Keras's
/// image_dataset_from_directory yields them (rescale with <c>Augmentation { Rescale = 1 / 255.0 }</c>
/// or in the model). Made by <see cref="Datasets.ImageDatasetFromDirectory"/> and
/// <see cref="Datasets.MultiLabelFromCsv"/>; every file was checked before this object exists.</summary>
public sealed class ImageDataset : BatchedDataset
{
    private readonly string[] _paths;
    private readonly BadFilePolicy _onBadFile;
    private readonly Action<string> _log;
    private float[]?[]? _cache;

    internal ImageDataset(string source, string[] paths, Targets targets, LabelVocabulary vocabulary, ColorMode colorMode,
        (int Height, int Width) imageSize, bool cropToAspectRatio, int batchSize, bool shuffle, ulong seed,
        BadFilePolicy onBadFile, IReadOnlyList<DataProblem> skipped, Action<string> log)
        : base([colorMode.Channels(), imageSize.Height, imageSize.Width], targets, batchSize, shuffle, seed)
    {
        (Source, _paths, Vocabulary, Skipped) = (source, paths, vocabulary, skipped);
        (ColorMode, ImageSize, CropToAspectRatio) = (colorMode, imageSize, cropToAspectRatio);
        (_onBadFile, _log) = (onBadFile, log);
    }

    /// <summary>The directory or CSV file the dataset was read from.</summary>
    public string Source { get; }

    /// <summary>The image files, in dataset order (sample i is FilePaths[i]).</summary>
    public IReadOnlyList<string> FilePaths => _paths;

    /// <summary>Class or label names, in index order; save them next to a checkpoint with
    /// <c>Vocabulary.SaveNextTo(path)</c>.</summary>
    public LabelVocabulary Vocabulary { get; }

    public IReadOnlyList<string> ClassNames => Vocabulary.Names;

    public ColorMode ColorMode { get; }

    public (int Height, int Width) ImageSize { get; }

    public bool CropToAspectRatio { get; }

    /// <summary>Files and rows left out by the up-front check (Skip policy), with the reasons.</summary>
    public IReadOnlyList<DataProblem> Skipped { get; }

    /// <summary>The class of each sample (single-label datasets).</summary>
    public IReadOnlyList<int> Labels => TargetTable is ClassTargets c ? c.Labels
        : throw new InvalidOperationException("this is a multi-label dataset; use LabelSets or MultiHotTargets().");

    /// <summary>The label indices of each sample (multi-label datasets).</summary>
    public IReadOnlyList<int[]> LabelSets => TargetTable is LabelSetTargets s ? s.Sets
        : throw new InvalidOperationException("this is a single-label dataset; use Labels.");

    /// <summary>All targets as one multi-hot float matrix [Count, NumClasses] (row-major).</summary>
    public float[] MultiHotTargets()
    {
        var all = Enumerable.Range(0, Count).ToArray();
        return TargetTable is LabelSetTargets s ? (float[])s.Make(all).Data
            : (float[])new ClassTargets(((ClassTargets)TargetTable).Labels.ToArray(), NumClasses, LabelMode.Categorical).Make(all).Data;
    }

    /// <summary>Per-label positive weights (negatives / positives, capped) of this dataset's targets.</summary>
    public float[] PosWeights(double cap = Data.PosWeights.DefaultCap) => Data.PosWeights.FromMultiHot(MultiHotTargets(), NumClasses, cap);

    /// <summary>Keep each decoded, resized image in memory after its first load (like tf.data's
    /// cache()), so later epochs skip the files and the decoder; augmentation still runs every
    /// epoch. Costs Count x C x H x W x 4 bytes. Turning it off drops the cache.</summary>
    public bool Cache
    {
        get => _cache is not null;
        set => _cache = value ? _cache ?? new float[]?[Count] : null;
    }

    private protected override void LoadSample(int index, Span<float> destination)
    {
        var cache = _cache;
        if (cache?[index] is { } kept)
        {
            kept.CopyTo(destination);
            return;
        }
        ImageLoader.DecodeInto(_paths[index], ColorMode, ImageSize.Height, ImageSize.Width, CropToAspectRatio, destination);
        if (cache is not null) cache[index] = destination.ToArray();
    }

    private protected override BadFilePolicy OnBadFile => _onBadFile;

    private protected override string SourceName => Source;

    private protected override void Log(string message) => _log(message);

    public override string ToString() =>
        $"ImageDataset({Count} images from {Source}, {NumClasses} {(LabelMode == LabelMode.MultiHot ? "labels" : "classes")}, " +
        $"({SampleShape[0]}, {ImageSize.Height}, {ImageSize.Width}), batch {BatchSize})";
}
