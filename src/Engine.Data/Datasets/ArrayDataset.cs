using Engine.Tensors;

namespace Engine.Data;

/// <summary>A dataset over arrays already in memory (the embedded digits, MNIST files, or any
/// tensors): the same batching, per-epoch shuffling and augmentation as the file-backed datasets.</summary>
public sealed class ArrayDataset : BatchedDataset
{
    private readonly float[] _x;
    private readonly int _sampleSize;

    /// <summary>From inputs x [N, ...] (float32) and targets y: int32 [N] class indices (kept as
    /// they are) or float32 [N, K] rows (one-hot, multi-hot or any float targets).</summary>
    public ArrayDataset(Tensor x, Tensor y, int batchSize = 32, bool shuffle = true, int seed = 0, Augmentation? augmentation = null)
        : base(SampleShapeOf(x), TargetsOf(x, y), batchSize, shuffle, (ulong)seed)
    {
        _x = x.ToFloatArray();
        _sampleSize = SampleShape.Size;
        Augmentation = augmentation;
    }

    internal ArrayDataset(float[] x, int[] sampleShape, Targets targets, int batchSize, bool shuffle, int seed, Augmentation? augmentation)
        : base(sampleShape, targets, batchSize, shuffle, (ulong)seed)
    {
        _x = x;
        _sampleSize = SampleShape.Size;
        if (_x.Length != _sampleSize * targets.Count)
            throw new ArgumentException($"{targets.Count} samples of shape {SampleShape} need {_sampleSize * targets.Count} values; received {_x.Length}.", nameof(x));
        Augmentation = augmentation;
    }

    private protected override void LoadSample(int index, Span<float> destination) =>
        _x.AsSpan(index * _sampleSize, _sampleSize).CopyTo(destination);

    private static int[] SampleShapeOf(Tensor x)
    {
        if (x.Rank < 2 || !x.DType.IsFloating())
            throw new ArgumentException($"ArrayDataset expects float inputs of shape (N, ...) with rank >= 2; received {x}.", nameof(x));
        return x.Shape.ToArray()[1..];
    }

    private static Targets TargetsOf(Tensor x, Tensor y)
    {
        if (y.Shape[0] != x.Shape[0])
            throw new ArgumentException($"x has {x.Shape[0]} samples but y has {y.Shape[0]}; they must match.", nameof(y));
        if (y.DType == DType.Int32 && y.Rank == 1)
        {
            var labels = y.ToArray<int>();
            var classes = labels.Length == 0 ? 0 : labels.Max() + 1;
            if (labels.Any(l => l < 0))
                throw new ArgumentException("class indices in y must be >= 0.", nameof(y));
            return new ClassTargets(labels, classes, LabelMode.Int);
        }
        if (y.DType.IsFloating() && y.Rank == 2)
        {
            var rows = y.ToFloatArray();
            return new DenseTargets(rows, y.Shape[1], IsOneHot(rows, y.Shape[1]) ? LabelMode.Categorical : LabelMode.MultiHot);
        }
        throw new ArgumentException($"y must be int32 class indices of shape (N) or float targets of shape (N, K); received {y}.", nameof(y));
    }

    private static bool IsOneHot(float[] rows, int width)
    {
        for (var i = 0; i + width <= rows.Length; i += width)
        {
            var row = rows.AsSpan(i, width);
            if (row.Count(1f) != 1 || row.Count(0f) != width - 1) return false;
        }
        return true;
    }
}
