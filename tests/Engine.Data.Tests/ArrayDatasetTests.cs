using Engine.Tensors;

namespace Engine.Data.Tests;

public class ArrayDatasetTests
{
    [Fact]
    public void Tensors_become_batches_with_every_sample_once_per_epoch()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 7 * 2).Select(i => (float)i).ToArray(), 7, 2);
        var y = Tensor.FromArray(Enumerable.Range(0, 7).ToArray(), 7);
        var ds = new ArrayDataset(x, y, batchSize: 3, seed: 4);
        Assert.Equal(3, ds.BatchCount);
        Assert.Equal(LabelMode.Int, ds.LabelMode);
        var batches = ds.GetBatches(0).ToList();
        Assert.Equal([3, 3, 1], batches.Select(b => b.X.Shape[0]));
        var labels = batches.SelectMany(b => b.Y.ToArray<int>()).ToArray();
        Assert.Equal(Enumerable.Range(0, 7), labels.Order());
        // Rows travel with their labels: row of label k is [2k, 2k + 1].
        foreach (var b in batches)
        {
            var xs = b.X.ToArray<float>();
            var ys = b.Y.ToArray<int>();
            for (var i = 0; i < ys.Length; i++) Assert.Equal([2f * ys[i], 2f * ys[i] + 1], xs[(2 * i)..(2 * i + 2)]);
        }
    }

    [Fact]
    public void One_hot_float_targets_are_recognised_as_categorical()
    {
        var x = Tensor.Zeros(new Shape(2, 1, 2, 2));
        var oneHot = new ArrayDataset(x, Tensor.FromArray(new float[] { 0, 1, 1, 0 }, 2, 2));
        Assert.Equal(LabelMode.Categorical, oneHot.LabelMode);
        var multi = new ArrayDataset(x, Tensor.FromArray(new float[] { 1, 1, 0, 0 }, 2, 2));
        Assert.Equal(LabelMode.MultiHot, multi.LabelMode);
    }

    [Fact]
    public void Mismatched_inputs_are_refused_with_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new ArrayDataset(Tensor.Zeros(new Shape(3, 4)), Tensor.FromArray(new[] { 0, 1 })));
        Assert.Contains("x has 3 samples but y has 2", e.Message);
        var aug = Assert.Throws<InvalidOperationException>(() =>
            new ArrayDataset(Tensor.Zeros(new Shape(2, 4)), Tensor.FromArray(new[] { 0, 1 }), augmentation: new Augmentation { HorizontalFlip = true }));
        Assert.Contains("(C, H, W)", aug.Message);
    }

    [Fact]
    public void Single_image_loading_matches_the_dataset_pipeline()
    {
        using var dir = new TempDir();
        var path = TestImages.WritePng(dir["one.png"], 5, 3, 3, seed: 8);
        using var t = ImageLoader.Load(path);
        Assert.Equal(new Shape(1, 3, 3, 5), t.Shape);
        var expected = new float[45];
        ImageOps.HwcToChw(TestImages.Pattern(5, 3, 3, 8), 3, 5, 3, expected);
        Assert.Equal(expected, t.ToArray<float>());
        using var gray = ImageLoader.Load(path, ColorMode.Grayscale, imageSize: (6, 10));
        Assert.Equal(new Shape(1, 1, 6, 10), gray.Shape);
        var e = Assert.Throws<InvalidDataException>(() => ImageLoader.Load(dir["missing.png"]));
        Assert.Contains("missing.png", e.Message);
    }
}
