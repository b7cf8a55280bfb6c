using Engine.Tensors;

namespace Engine.Data;

/// <summary>Images and their class labels in memory: pixels float32 NCHW, labels 0..classes-1.
/// What <see cref="Digits.Load"/> and <see cref="Mnist.Load"/> return; turn it into tensors for
/// Fit(x, y) or into a batched, shuffled, augmentable dataset with <see cref="ToDataset"/>.</summary>
public sealed class LabeledImages
{
    public LabeledImages(float[] pixels, int count, int channels, int height, int width, int[] labels, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (count < 0 || channels < 1 || height < 1 || width < 1)
            throw new ArgumentException($"invalid image block ({count}, {channels}, {height}, {width}); expected count >= 0 and positive sizes.");
        if ((long)count * channels * height * width != pixels.Length)
            throw new ArgumentException($"{count} images of ({channels}, {height}, {width}) need {(long)count * channels * height * width} values; received {pixels.Length}.", nameof(pixels));
        if (labels.Length != count)
            throw new ArgumentException($"{count} images but {labels.Length} labels; there must be one label per image.", nameof(labels));
        foreach (var l in labels)
            if ((uint)l >= (uint)classNames.Count)
                throw new ArgumentException($"label {l} has no class name; {classNames.Count} classes are named.", nameof(labels));
        (Pixels, Labels, ClassNames) = (pixels, labels, classNames);
        (Count, Channels, Height, Width) = (count, channels, height, width);
    }

    /// <summary>NCHW pixel values (0..1 or 0..255, as loaded).</summary>
    public float[] Pixels { get; }

    public int Count { get; }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    public int[] Labels { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public int NumClasses => ClassNames.Count;

    public LabelVocabulary Vocabulary => new(ClassNames);

    /// <summary>How many images each class has.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[NumClasses];
        foreach (var l in Labels) counts[l]++;
        return counts;
    }

    /// <summary>The images as a float32 [N, C, H, W] tensor (a copy).</summary>
    public Tensor ImagesTensor() => Tensor.FromArray((float[])Pixels.Clone(), new Shape(Count, Channels, Height, Width));

    /// <summary>The labels as int32 [N] (Int), one-hot float32 [N, K] (Categorical) or float32 [N, 1] (Binary).</summary>
    public Tensor LabelsTensor(LabelMode mode = LabelMode.Int)
    {
        var (data, shape) = new ClassTargets(Labels, NumClasses, mode).Make(Enumerable.Range(0, Count).ToArray());
        return data is int[] ints ? Tensor.FromArray(ints, new Shape(shape)) : Tensor.FromArray((float[])data, new Shape(shape));
    }

    /// <summary>A batched dataset over these images (for Fit with shuffling per epoch and augmentation).</summary>
    public ArrayDataset ToDataset(int batchSize = 32, bool shuffle = true, int seed = 0, LabelMode labelMode = LabelMode.Int, Augmentation? augmentation = null) =>
        new(Pixels, [Channels, Height, Width], new ClassTargets(Labels, NumClasses, labelMode), batchSize, shuffle, seed, augmentation);

    /// <summary>Images [start, start + count) (a copy).</summary>
    public LabeledImages Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"slice [{start}, {start + count}) is outside the {Count} images.");
        var size = Channels * Height * Width;
        return new LabeledImages(Pixels.AsSpan(start * size, count * size).ToArray(), count, Channels, Height, Width,
            Labels.AsSpan(start, count).ToArray(), ClassNames);
    }

    public override string ToString() => $"LabeledImages({Count} images of ({Channels}, {Height}, {Width}), {NumClasses} classes)";
}
