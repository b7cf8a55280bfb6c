using Engine.Tensors;

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

    /// <summary>The element type of Y: int32 class indices (Int mode) or float32 rows.</summary>
    public virtual DType DType => DType.Float32;

    /// <summary>The shape of Y for <paramref name="count"/> samples.</summary>
    public virtual int[] ShapeFor(int count) => [count, Width];

    /// <summary>Writes Y of <paramref name="samples"/> into the start of <paramref name="destination"/>
    /// (an int[] or float[] of <see cref="DType"/>, at least as long as Y; its old contents do not matter).</summary>
    public abstract void Write(ReadOnlySpan<int> samples, Array destination);

    /// <summary>Y for the given samples as a new array and its shape.</summary>
    public (Array Data, int[] Shape) Make(ReadOnlySpan<int> samples)
    {
        var shape = ShapeFor(samples.Length);
        var length = shape.Aggregate(1, (a, b) => a * b);
        Array data = DType == DType.Int32 ? new int[length] : new float[length];
        Write(samples, data);
        return (data, shape);
    }

    /// <summary>Y for the given samples as a tensor on pooled CPU memory (see <see cref="CpuStorage"/>).</summary>
    public Tensor MakeTensor(ReadOnlySpan<int> samples)
    {
        var y = Tensor.Empty(new Shape(ShapeFor(samples.Length)), DType);
        Write(samples, ((CpuStorage)y.Storage).Array);
        return y;
    }

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

    public override DType DType => Mode == LabelMode.Int ? DType.Int32 : DType.Float32;

    public override int[] ShapeFor(int count) => Mode switch
    {
        LabelMode.Int => [count],
        LabelMode.Binary => [count, 1],
        _ => [count, Width],
    };

    public override void Write(ReadOnlySpan<int> samples, Array destination)
    {
        var n = samples.Length;
        switch (Mode)
        {
            case LabelMode.Int:
                var ints = (int[])destination;
                for (var i = 0; i < n; i++) ints[i] = _labels[samples[i]];
                break;
            case LabelMode.Binary:
                var bin = (float[])destination;
                for (var i = 0; i < n; i++) bin[i] = _labels[samples[i]];
                break;
            default:
                var oneHot = ((float[])destination).AsSpan(0, n * Width);
                oneHot.Clear();
                for (var i = 0; i < n; i++) oneHot[i * Width + _labels[samples[i]]] = 1;
                break;
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

    public override void Write(ReadOnlySpan<int> samples, Array destination)
    {
        var y = ((float[])destination).AsSpan(0, samples.Length * labels);
        y.Clear();
        for (var i = 0; i < samples.Length; i++)
            foreach (var l in sets[samples[i]]) y[i * labels + l] = 1;
    }
}

/// <summary>Float rows given as they are (multi-hot or any float targets), [N, width].</summary>
internal sealed class DenseTargets(float[] rows, int width, LabelMode mode) : Targets
{
    public override LabelMode Mode => mode;

    public override int Width => width;

    public override int Count => width == 0 ? 0 : rows.Length / width;

    public override void Write(ReadOnlySpan<int> samples, Array destination)
    {
        var y = (float[])destination;
        for (var i = 0; i < samples.Length; i++)
            rows.AsSpan(samples[i] * width, width).CopyTo(y.AsSpan(i * width, width));
    }
}
