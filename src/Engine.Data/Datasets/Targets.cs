namespace Engine.Data;

/// <summary>Where a dataset keeps its targets and how it turns the targets of a batch's samples into
/// the Y array: class indices (expanded to int, one-hot or binary on the way out), label sets
/// (multi-hot, kept sparse: 1000 labels x 100k images would be 400 MB dense) or dense float rows.</summary>
internal abstract class Targets
{
    public abstract LabelMode Mode { get; }

    /// <summary>Classes (single-label) or labels (multi-hot); columns of Y except in Int mode.</summary>
    public abstract int Width { get; }

    public abstract int Count { get; }

    /// <summary>Y for the given samples: the array (int[] or float[]) and its shape.</summary>
    public abstract (Array Data, int[] Shape) Make(ReadOnlySpan<int> samples);

    /// <summary>The class index of a sample (single-label targets only).</summary>
    public virtual int ClassOf(int sample) =>
        throw new InvalidOperationException($"{Mode} targets have no single class per sample; class weights need Int, Categorical or Binary labels.");

    public bool HasClasses => this is ClassTargets;
}

/// <summary>One class index per sample.</summary>
internal sealed class ClassTargets : Targets
{
    private readonly int[] _labels;

    public ClassTargets(int[] labels, int classes, LabelMode mode)
    {
        if (mode == LabelMode.MultiHot)
            throw new ArgumentException("MultiHot needs several labels per sample; single-label data supports Int, Categorical or Binary.", nameof(mode));
        if (mode == LabelMode.Binary && classes != 2)
            throw new ArgumentException($"label mode Binary needs exactly 2 classes; this data has {classes}. Use Int or Categorical.", nameof(mode));
        foreach (var l in labels)
            if ((uint)l >= (uint)classes)
                throw new ArgumentException($"label {l} is outside [0, {classes}) for {classes} classes.", nameof(labels));
        _labels = labels;
        Width = classes;
        Mode = mode;
    }

    public override LabelMode Mode { get; }

    public override int Width { get; }

    public override int Count => _labels.Length;

    public IReadOnlyList<int> Labels => _labels;

    public override int ClassOf(int sample) => _labels[sample];

    public override (Array Data, int[] Shape) Make(ReadOnlySpan<int> samples)
    {
        var n = samples.Length;
        switch (Mode)
        {
            case LabelMode.Int:
                var ints = new int[n];
                for (var i = 0; i < n; i++) ints[i] = _labels[samples[i]];
                return (ints, [n]);
            case LabelMode.Binary:
                var bin = new float[n];
                for (var i = 0; i < n; i++) bin[i] = _labels[samples[i]];
                return (bin, [n, 1]);
            default:
                var oneHot = new float[n * Width];
                for (var i = 0; i < n; i++) oneHot[i * Width + _labels[samples[i]]] = 1;
                return (oneHot, [n, Width]);
        }
    }
}

/// <summary>A set of label indices per sample, expanded to multi-hot rows.</summary>
internal sealed class LabelSetTargets(int[][] sets, int labels) : Targets
{
    public override LabelMode Mode => LabelMode.MultiHot;

    public override int Width => labels;

    public override int Count => sets.Length;

    public IReadOnlyList<int[]> Sets => sets;

    public override (Array Data, int[] Shape) Make(ReadOnlySpan<int> samples)
    {
        var y = new float[samples.Length * labels];
        for (var i = 0; i < samples.Length; i++)
            foreach (var l in sets[samples[i]]) y[i * labels + l] = 1;
        return (y, [samples.Length, labels]);
    }
}

/// <summary>Float rows given as they are (multi-hot or any float targets), [N, width].</summary>
internal sealed class DenseTargets(float[] rows, int width, LabelMode mode) : Targets
{
    public override LabelMode Mode => mode;

    public override int Width => width;

    public override int Count => width == 0 ? 0 : rows.Length / width;

    public override (Array Data, int[] Shape) Make(ReadOnlySpan<int> samples)
    {
        var y = new float[samples.Length * width];
        for (var i = 0; i < samples.Length; i++)
            rows.AsSpan(samples[i] * width, width).CopyTo(y.AsSpan(i * width, width));
        return (y, [samples.Length, width]);
    }
}
