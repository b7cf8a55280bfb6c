using Engine.Models;
using Engine.Tensors;

namespace Engine.Data.Tests;

public class AugmentationTests
{
    private static float[] Image(int c, int h, int w, int seed = 0)
    {
        var rng = new Rng((ulong)seed + 1);
        return Enumerable.Range(0, c * h * w).Select(_ => (float)(rng.NextDouble() * 255)).ToArray();
    }

    private static readonly Augmentation Everything = new()
    {
        HorizontalFlip = true,
        VerticalFlip = true,
        RotationRange = 30,
        WidthShiftRange = 0.2,
        HeightShiftRange = 0.1,
        ZoomRange = 0.25,
        BrightnessRange = (0.6, 1.4),
        ContrastRange = 0.5,
        Rescale = 1 / 255.0,
    };

    [Fact]
    public void Same_seed_gives_the_same_image()
    {
        var a = Image(3, 9, 13);
        var b = (float[])a.Clone();
        Everything.Apply(a, 3, 9, 13, seed: 42);
        Everything.Apply(b, 3, 9, 13, seed: 42);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Different_seeds_give_different_images()
    {
        var a = Image(3, 9, 13);
        var b = (float[])a.Clone();
        Everything.Apply(a, 3, 9, 13, seed: 1);
        Everything.Apply(b, 3, 9, 13, seed: 2);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Batches_keep_their_shape_and_the_input_is_untouched()
    {
        using var x = Tensor.FromArray(Image(3, 7, 5, seed: 3).Concat(Image(3, 7, 5, seed: 4)).ToArray(), new Shape(2, 3, 7, 5));
        var before = x.ToArray<float>();
        using var y = Everything.Apply(x, seed: 11);
        Assert.Equal(x.Shape, y.Shape);
        Assert.Equal(before, x.ToArray<float>());
        Assert.NotEqual(before, y.ToArray<float>());
        using var again = Everything.Apply(x, seed: 11);
        Assert.Equal(y.ToArray<float>(), again.ToArray<float>());
    }

    [Fact]
    public void Flip_twice_is_identity()
    {
        var original = Image(2, 5, 7);
        var img = (float[])original.Clone();
        ImageOps.FlipHorizontal(img, 2, 5, 7);
        Assert.NotEqual(original, img);
        ImageOps.FlipHorizontal(img, 2, 5, 7);
        Assert.Equal(original, img);
        ImageOps.FlipVertical(img, 2, 5, 7);
        Assert.NotEqual(original, img);
        ImageOps.FlipVertical(img, 2, 5, 7);
        Assert.Equal(original, img);
    }

    [Fact]
    public void Horizontal_flip_mirrors_rows()
    {
        float[] img = [1, 2, 3, 4, 5, 6]; // 1 channel, 2 rows of 3
        ImageOps.FlipHorizontal(img, 1, 2, 3);
        Assert.Equal([3f, 2, 1, 6, 5, 4], img);
        ImageOps.FlipVertical(img, 1, 2, 3);
        Assert.Equal([6f, 5, 4, 3, 2, 1], img);
    }

    [Fact]
    public void Flip_only_augmentation_gives_the_image_or_its_mirror_exactly()
    {
        var aug = new Augmentation { HorizontalFlip = true };
        var original = Image(1, 4, 6);
        var mirrored = (float[])original.Clone();
        ImageOps.FlipHorizontal(mirrored, 1, 4, 6);
        var seen = new HashSet<bool>();
        for (ulong seed = 0; seed < 20; seed++)
        {
            var img = (float[])original.Clone();
            aug.Apply(img, 1, 4, 6, seed);
            var isOriginal = img.SequenceEqual(original);
            Assert.True(isOriginal || img.SequenceEqual(mirrored));
            seen.Add(isOriginal);
        }
        Assert.Equal(2, seen.Count); // both outcomes occur over 20 seeds
    }

    [Fact]
    public void No_steps_leave_the_image_unchanged_and_rescale_multiplies()
    {
        var original = Image(3, 4, 4);
        var img = (float[])original.Clone();
        new Augmentation().Apply(img, 3, 4, 4, seed: 5);
        Assert.Equal(original, img);
        new Augmentation { Rescale = 0.5 }.Apply(img, 3, 4, 4, seed: 5);
        Assert.Equal(original.Select(v => v * 0.5f), img);
        Assert.False(new Augmentation { Rescale = 0.5 }.IsRandom);
        Assert.True(Everything.IsRandom);
    }

    [Fact]
    public void Shift_moves_content_and_fills_by_the_fill_mode()
    {
        // A 1x1x8 row 0..7 shifted by up to 0.5 of the width with constant fill -1: the result is the
        // row moved by a whole or fractional amount, with -1 (or a blend with it) entering at one edge.
        var aug = new Augmentation { WidthShiftRange = 0.5, FillMode = FillMode.Constant, FillValue = -1 };
        var row = Enumerable.Range(0, 8).Select(i => (float)i).ToArray();
        var moved = (float[])row.Clone();
        aug.Apply(moved, 1, 1, 8, seed: 3);
        Assert.NotEqual(row, moved);
        Assert.True(moved.Min() < 0, "some fill value enters the frame");
        // Away from the edge, neighbours still differ by exactly 1 (a pure translation).
        var inside = moved.Where(v => v >= 0).ToArray();
        for (var i = 1; i < inside.Length; i++) Assert.Equal(1f, inside[i] - inside[i - 1], 1e-4f);
    }

    [Fact]
    public void Rotation_of_a_constant_image_with_nearest_fill_is_constant()
    {
        var aug = new Augmentation { RotationRange = 45, ZoomRange = 0.3 };
        var img = Enumerable.Repeat(7f, 3 * 11 * 9).ToArray();
        aug.Apply(img, 3, 11, 9, seed: 8);
        Assert.All(img, v => Assert.Equal(7f, v, 1e-4f));
    }

    [Fact]
    public void Brightness_scales_and_contrast_keeps_the_channel_mean()
    {
        var original = Image(2, 6, 6);
        var bright = (float[])original.Clone();
        new Augmentation { BrightnessRange = (1.5, 1.5) }.Apply(bright, 2, 6, 6, seed: 1);
        for (var i = 0; i < original.Length; i++) Assert.Equal(original[i] * 1.5f, bright[i], 1e-3f);

        var contrast = (float[])original.Clone();
        new Augmentation { ContrastRange = 0.9 }.Apply(contrast, 2, 6, 6, seed: 4);
        Assert.NotEqual(original, contrast);
        for (var c = 0; c < 2; c++)
            Assert.Equal(original.Skip(c * 36).Take(36).Average(), contrast.Skip(c * 36).Take(36).Average(), 1e-2);
    }

    [Fact]
    public void Clip_range_bounds_the_values()
    {
        var img = Image(1, 5, 5);
        new Augmentation { BrightnessRange = (2, 2), ClipRange = (0, 255) }.Apply(img, 1, 5, 5, seed: 0);
        Assert.All(img, v => Assert.InRange(v, 0f, 255f));
        Assert.Contains(255f, img);
    }

    [Fact]
    public void Invalid_ranges_are_refused_with_the_setting_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new Augmentation { ZoomRange = 1.5 }.Validate());
        Assert.Contains("ZoomRange", e.Message);
        Assert.Throws<ArgumentException>(() => new Augmentation { RotationRange = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new Augmentation { BrightnessRange = (1.2, 0.8) }.Validate());
        var wrong = Assert.Throws<ArgumentException>(() => Everything.Apply(new float[10], 3, 2, 2, seed: 0));
        Assert.Contains("(3, 2, 2)", wrong.Message);
    }

    [Fact]
    public void Augmentation_in_a_dataset_is_seeded_per_epoch_and_sample()
    {
        var images = Digits.Load().Test.Slice(0, 8);
        var ds = images.ToDataset(batchSize: 8, shuffle: false, seed: 4, augmentation: new Augmentation { RotationRange = 20, HorizontalFlip = true });
        float[] Epoch(int e) => ds.GetBatches(e).Single().X.ToArray<float>();
        Assert.Equal(Epoch(0), Epoch(0));
        Assert.NotEqual(Epoch(0), Epoch(1));
        Assert.NotEqual(images.Pixels, Epoch(0));
        Assert.Equal(images.Pixels.Length, Epoch(1).Length);
    }

    [Fact]
    public void A_resumed_epoch_starts_mid_way_with_the_same_batches()
    {
        var images = Digits.Load().Test.Slice(0, 20);
        var ds = images.ToDataset(batchSize: 6, shuffle: true, seed: 4, augmentation: new Augmentation { RotationRange = 20, HorizontalFlip = true });
        foreach (var first in new[] { 0, 1, 3, 4 })
        {
            var all = ds.GetBatches(2).Skip(first).Select(b => (b.X.ToArray<float>(), b.Y.ToArray<int>())).ToList();
            var resumed = ds.GetBatches(2, first).Select(b => (b.X.ToArray<float>(), b.Y.ToArray<int>())).ToList();
            Assert.Equal(ds.BatchCount - first, resumed.Count);
            Assert.Equal(all.Count, resumed.Count);
            for (var b = 0; b < all.Count; b++)
            {
                Assert.Equal(all[b].Item1, resumed[b].Item1);
                Assert.Equal(all[b].Item2, resumed[b].Item2);
            }
        }
        // Other datasets get the interface's default: the same skip, made by producing and dropping.
        IDataset plain = new Counting();
        Assert.Equal([2, 3], plain.GetBatches(0, 2).Select(b => b.Y.ToArray<int>()[0]));
    }

    private sealed class Counting : IDataset
    {
        public int BatchCount => 4;

        public IEnumerable<Batch> GetBatches(int epoch) =>
            Enumerable.Range(0, BatchCount).Select(b => new Batch(Tensor.Zeros(new Shape(1, 1)), Tensor.FromArray(new[] { b })));
    }
}
