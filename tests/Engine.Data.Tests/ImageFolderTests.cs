using Engine.Models;
using Engine.Tensors;

namespace Engine.Data.Tests;

public class ImageFolderTests
{
    /// <summary>Class folders with PNGs of 8x6 pixels: "Zebra" (gray), "cat" (RGB), "dog" (RGBA);
    /// `perClass` images each; image i of class c has pattern seed 100*c + i.</summary>
    private static string MakeTree(TempDir dir, int perClass = 4)
    {
        var root = dir["tree"];
        (string Name, int Channels)[] classes = [("Zebra", 1), ("cat", 3), ("dog", 4)];
        for (var c = 0; c < classes.Length; c++)
            for (var i = 0; i < perClass; i++)
                TestImages.WritePng(Path.Combine(root, classes[c].Name, $"img{i:D2}.png"), 8, 6, classes[c].Channels, seed: 100 * c + i);
        return root;
    }

    private static ImageDataset Load(string root, List<string>? log = null, LabelMode labelMode = LabelMode.Int, ColorMode colorMode = ColorMode.Rgb,
        (int, int)? imageSize = null, bool shuffle = false, int? seed = null, double split = 0, Subset? subset = null, int batchSize = 100,
        IReadOnlyList<string>? classNames = null) =>
        Datasets.ImageDatasetFromDirectory(root, labelMode, classNames, colorMode, batchSize, imageSize ?? (6, 8), shuffle, seed, split, subset,
            log: (log ?? []).Add);

    private static Batch Single(ImageDataset ds, int epoch = 0) => Assert.Single(ds.GetBatches(epoch));

    [Fact]
    public void Class_names_follow_ordinal_order_like_keras()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir);
        foreach (var name in new[] { "b10", "b2", "B" })
            TestImages.WritePng(Path.Combine(root, name, "x.png"), 8, 6);
        var ds = Load(root);
        Assert.Equal(["B", "Zebra", "b10", "b2", "cat", "dog"], ds.ClassNames);
    }

    [Fact]
    public void Round_trip_gives_each_file_its_folder_label_and_exact_pixels()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir);
        var ds = Load(root);
        Assert.Equal(12, ds.Count);
        var batch = Single(ds);
        Assert.Equal(new Shape(12, 3, 6, 8), batch.X.Shape);
        Assert.Equal(DType.Float32, batch.X.DType);
        var labels = batch.Y.ToArray<int>();
        var x = batch.X.ToArray<float>();
        for (var i = 0; i < 12; i++)
        {
            var folder = Path.GetFileName(Path.GetDirectoryName(ds.FilePaths[i]))!;
            Assert.Equal(ds.ClassNames.ToList().IndexOf(folder), labels[i]);
            Assert.Equal(labels[i], ds.Labels[i]);
            // Unshuffled order: classes in order, files sorted, so sample i is img{i % 4} of class i / 4.
            Assert.Equal($"img{i % 4:D2}.png", Path.GetFileName(ds.FilePaths[i]));
            var srcChannels = new[] { 1, 3, 4 }[labels[i]];
            var src = TestImages.Pattern(8, 6, srcChannels, 100 * labels[i] + i % 4);
            for (var c = 0; c < 3; c++)
                for (var p = 0; p < 48; p++)
                {
                    // gray sources replicate into R, G, B; RGBA sources drop alpha
                    var expected = srcChannels == 1 ? src[p] : src[p * srcChannels + c];
                    Assert.Equal(expected, x[i * 144 + c * 48 + p]);
                }
        }
    }

    [Theory]
    [InlineData(ColorMode.Grayscale, 1)]
    [InlineData(ColorMode.Rgb, 3)]
    [InlineData(ColorMode.Rgba, 4)]
    public void Color_mode_sets_the_channel_count(ColorMode mode, int channels)
    {
        using var dir = new TempDir();
        var ds = Load(MakeTree(dir), colorMode: mode);
        var batch = Single(ds);
        Assert.Equal(new Shape(12, channels, 6, 8), batch.X.Shape);
        if (mode == ColorMode.Rgba)
        {
            // "cat" is RGB: its alpha plane comes out opaque (255).
            var x = batch.X.ToArray<float>();
            var cat = ds.Labels.ToList().IndexOf(1);
            Assert.All(x.AsSpan(cat * 4 * 48 + 3 * 48, 48).ToArray(), v => Assert.Equal(255f, v));
        }
    }

    [Fact]
    public void Images_of_any_size_are_resized_to_image_size()
    {
        using var dir = new TempDir();
        var root = dir["sizes"];
        TestImages.WritePng(Path.Combine(root, "a", "small.png"), 3, 5, 3);
        TestImages.WritePng(Path.Combine(root, "a", "wide.png"), 40, 7, 3);
        TestImages.WritePng(Path.Combine(root, "b", "tall.png"), 9, 33, 1);
        var ds = Load(root, imageSize: (16, 12));
        Assert.Equal((16, 12), ds.ImageSize);
        var batch = Single(ds);
        Assert.Equal(new Shape(3, 3, 16, 12), batch.X.Shape);
        Assert.All(batch.X.ToArray<float>(), v => Assert.InRange(v, 0f, 255f));
    }

    [Fact]
    public void Validation_split_sizes_and_disjoint_subsets_for_a_seed()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir, perClass: 10);
        var log = new List<string>();
        var train = Load(root, log, shuffle: true, seed: 1337, split: 0.2, subset: Subset.Training);
        var val = Load(root, log, shuffle: true, seed: 1337, split: 0.2, subset: Subset.Validation);
        Assert.Equal(24, train.Count); // 30 - floor(0.2 * 30)
        Assert.Equal(6, val.Count);
        Assert.Empty(train.FilePaths.Intersect(val.FilePaths));
        Assert.Equal(30, train.FilePaths.Union(val.FilePaths).Count());
        Assert.Contains("Found 30 files belonging to 3 classes.", log);
        Assert.Contains("Using 24 files for training.", log);
        Assert.Contains("Using 6 files for validation.", log);

        // The same seed picks the same validation files; another seed picks others.
        var again = Load(root, shuffle: true, seed: 1337, split: 0.2, subset: Subset.Validation);
        Assert.Equal(val.FilePaths, again.FilePaths);
        var other = Load(root, shuffle: true, seed: 7, split: 0.2, subset: Subset.Validation);
        Assert.NotEqual(val.FilePaths.Order(), other.FilePaths.Order());
        // Labels still follow the files after the split.
        for (var i = 0; i < val.Count; i++)
            Assert.Equal(val.ClassNames[val.Labels[i]], Path.GetFileName(Path.GetDirectoryName(val.FilePaths[i])));
    }

    [Fact]
    public void Split_without_seed_is_refused_like_keras()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir);
        var e = Assert.Throws<ArgumentException>(() => Load(root, shuffle: true, split: 0.2, subset: Subset.Training));
        Assert.Contains("you must provide a seed", e.Message);
        Assert.Throws<ArgumentException>(() => Load(root, split: 0.2));
        Assert.Throws<ArgumentException>(() => Load(root, subset: Subset.Validation));
        Assert.Throws<ArgumentException>(() => Load(root, split: 1.0, subset: Subset.Validation, seed: 1));
    }

    [Fact]
    public void Batches_are_deterministic_per_seed_and_epoch_and_reshuffled_between_epochs()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir, perClass: 6);
        var ds = Load(root, shuffle: true, seed: 5, batchSize: 5);
        Assert.Equal(4, ds.BatchCount);
        int[] Labels(int epoch) => ds.GetBatches(epoch).SelectMany(b => b.Y.ToArray<int>()).ToArray();
        float[] Pixels(int epoch) => ds.GetBatches(epoch).SelectMany(b => b.X.ToArray<float>()).ToArray();
        Assert.Equal(Pixels(0), Pixels(0));
        Assert.Equal(Labels(3), Load(root, shuffle: true, seed: 5, batchSize: 5).GetBatches(3).SelectMany(b => b.Y.ToArray<int>()));
        Assert.NotEqual(ds.EpochOrder(0), ds.EpochOrder(1));
        Assert.Equal(18, Labels(1).Length);
        Assert.Equal([6, 6, 6], Enumerable.Range(0, 3).Select(c => Labels(1).Count(l => l == c)));
        var sizes = ds.GetBatches(0).Select(b => b.X.Shape[0]).ToArray();
        Assert.Equal([5, 5, 5, 3], sizes);
    }

    [Fact]
    public void Categorical_and_binary_label_modes()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir);
        var cat = Single(Load(root, labelMode: LabelMode.Categorical));
        Assert.Equal(new Shape(12, 3), cat.Y.Shape);
        var oneHot = cat.Y.ToArray<float>();
        for (var i = 0; i < 12; i++)
            Assert.Equal(i / 4, Array.IndexOf(oneHot, 1f, i * 3, 3) - i * 3);

        var e = Assert.Throws<ArgumentException>(() => Load(root, labelMode: LabelMode.Binary));
        Assert.Contains("exactly 2 classes; found 3", e.Message);

        var two = Load(root, labelMode: LabelMode.Binary, classNames: ["dog", "cat"]);
        var bin = Single(two);
        Assert.Equal(new Shape(8, 1), bin.Y.Shape);
        Assert.Equal(["dog", "cat"], two.ClassNames);
        Assert.Equal([0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f], bin.Y.ToArray<float>());
    }

    [Fact]
    public void Class_names_must_name_folders()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir);
        var e = Assert.Throws<DataValidationException>(() => Load(root, classNames: ["cat", "horse"]));
        Assert.Contains("class 'horse' from classNames has no folder", e.Message);
    }

    [Fact]
    public void Jpeg_bmp_and_gif_files_decode()
    {
        using var dir = new TempDir();
        var root = dir["formats"];
        var rgb = TestImages.Pattern(10, 7, 3, 1);
        var gray = TestImages.Pattern(10, 7, 1, 2);
        Directory.CreateDirectory(Path.Combine(root, "a"));
        Directory.CreateDirectory(Path.Combine(root, "b"));
        File.WriteAllBytes(Path.Combine(root, "a", "1.bmp"), TestImages.Bmp(10, 7, 3, rgb));
        File.WriteAllBytes(Path.Combine(root, "a", "2.jpg"), TestImages.Jpeg(10, 7, 3, rgb, quality: 100));
        File.WriteAllBytes(Path.Combine(root, "b", "3.gif"), TestImages.GrayGif(10, 7, gray));
        File.WriteAllBytes(Path.Combine(root, "b", "4.JPEG"), TestImages.Jpeg(10, 7, 1, gray, quality: 100));
        var ds = Load(root, imageSize: (7, 10));
        var x = Single(ds).X.ToArray<float>();
        var size = 3 * 70;
        for (var p = 0; p < 70; p++)
            for (var c = 0; c < 3; c++)
            {
                Assert.Equal(rgb[p * 3 + c], x[0 * size + c * 70 + p]);               // BMP: exact
                Assert.InRange(x[1 * size + c * 70 + p] - rgb[p * 3 + c], -40f, 40f); // JPEG: lossy
                Assert.Equal(gray[p], x[2 * size + c * 70 + p]);                       // GIF: exact
            }
        Assert.Equal(["a", "a", "b", "b"], ds.Labels.Select(l => ds.ClassNames[l]));
    }

    [Fact]
    public void Nested_folders_are_searched_and_other_files_ignored()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir, perClass: 1);
        TestImages.WritePng(Path.Combine(root, "cat", "more", "deeper.png"), 8, 6);
        File.WriteAllText(Path.Combine(root, "cat", "notes.txt"), "not an image");
        TestImages.WritePng(Path.Combine(root, "cat", ".hidden.png"), 8, 6);
        TestImages.WritePng(Path.Combine(root, "loose.png"), 8, 6);
        var ds = Load(root);
        Assert.Equal(4, ds.Count);
        Assert.Contains(ds.FilePaths, p => p.EndsWith("deeper.png"));
        Assert.DoesNotContain(ds.FilePaths, p => p.EndsWith(".hidden.png") || p.EndsWith("loose.png"));
    }

    [Fact]
    public void Crop_to_aspect_ratio_takes_the_centre()
    {
        using var dir = new TempDir();
        var root = dir["crop"];
        // 6 wide, 2 high, gray: columns 0,1 = 10, columns 2,3 = 200, columns 4,5 = 30.
        byte[] row = [10, 10, 200, 200, 30, 30];
        TestImages.WritePng(Path.Combine(root, "a", "x.png"), 6, 2, 1, pixels: [.. row, .. row]);
        var ds = Datasets.ImageDatasetFromDirectory(root, colorMode: ColorMode.Grayscale, imageSize: (2, 2), shuffle: false,
            cropToAspectRatio: true, log: _ => { });
        Assert.All(Single(ds).X.ToArray<float>(), v => Assert.Equal(200f, v));
    }

    [Fact]
    public void Class_weights_become_sample_weights()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir);
        TestImages.WritePng(Path.Combine(root, "cat", "extra.png"), 8, 6);
        var ds = Load(root);
        ds.ClassWeight = ClassWeights.Balanced(ds.Labels, ds.NumClasses);
        var batch = Single(ds);
        Assert.NotNull(batch.SampleWeight);
        var w = batch.SampleWeight!.ToArray<float>();
        var y = batch.Y.ToArray<int>();
        for (var i = 0; i < y.Length; i++)
            Assert.Equal(y[i] == 1 ? 13f / (3 * 5) : 13f / (3 * 4), w[i], 1e-6f);
        Assert.Throws<ArgumentException>(() => ds.ClassWeight = [1f, 2f]);
    }

    [Fact]
    public void Threads_and_prefetch_do_not_change_the_batches()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir, perClass: 7);
        var aug = new Augmentation { HorizontalFlip = true, RotationRange = 20, ZoomRange = 0.2, BrightnessRange = (0.7, 1.3) };
        float[] Run(int workers, int prefetch, bool augment = true)
        {
            var ds = Load(root, shuffle: true, seed: 9, batchSize: 4);
            ds.Augmentation = augment ? aug : null;
            ds.Workers = workers;
            ds.Prefetch = prefetch;
            return ds.GetBatches(2).SelectMany(b => b.X.ToArray<float>()).ToArray();
        }
        var serial = Run(1, 0);
        Assert.Equal(serial, Run(4, 3));
        Assert.Equal(serial, Run(2, 1));
        Assert.NotEqual(serial, Run(1, 0, augment: false)); // the augmentation did run
    }

    [Fact]
    public void Stopping_early_ends_the_producer()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir, perClass: 10);
        var ds = Load(root, shuffle: true, seed: 1, batchSize: 2);
        ds.Prefetch = 2;
        var first = ds.GetBatches(0).Take(2).ToList();
        Assert.Equal(2, first.Count);
        // A fresh pass after abandoning one still yields everything.
        Assert.Equal(15, ds.GetBatches(0).Count());
    }

    [Fact]
    public void Cache_keeps_decoded_images_so_later_epochs_need_no_files()
    {
        using var dir = new TempDir();
        var root = MakeTree(dir, perClass: 3);
        var ds = Load(root, shuffle: true, seed: 2, batchSize: 4);
        ds.Cache = true;
        ds.Augmentation = new Augmentation { HorizontalFlip = true };
        var first = ds.GetBatches(0).SelectMany(b => b.X.ToArray<float>()).ToArray();
        Directory.Delete(root, recursive: true);
        // The files are gone; epoch 0 again comes from the cache, identical to the first pass.
        Assert.Equal(first, ds.GetBatches(0).SelectMany(b => b.X.ToArray<float>()));
        Assert.Equal(9, ds.GetBatches(1).Sum(b => b.X.Shape[0]));
        ds.Cache = false;
        Assert.Throws<DataValidationException>(() => ds.GetBatches(0).ToList());
    }
}
