namespace Engine.Data.Tests;

/// <summary>Each kind of bad input gives a message with the path and the reason, before any batch;
/// Skip leaves out exactly the bad files with a warning; nothing on disk changes either way.</summary>
public class BadInputTests
{
    /// <summary>Two classes of 3 good 6x5 PNGs each.</summary>
    private static string GoodTree(TempDir dir)
    {
        var root = dir["tree"];
        foreach (var cls in new[] { "a", "b" })
            for (var i = 0; i < 3; i++)
                TestImages.WritePng(Path.Combine(root, cls, $"{i}.png"), 6, 5, 3, seed: i);
        return root;
    }

    private static ImageDataset Load(string root, BadFilePolicy policy = BadFilePolicy.Error, List<string>? log = null) =>
        Datasets.ImageDatasetFromDirectory(root, imageSize: (5, 6), batchSize: 4, shuffle: false, onBadFile: policy, log: (log ?? []).Add);

    /// <summary>Asserts the default policy stops with a message naming the file and the reason, and
    /// that Skip loads the 6 good images and lists the bad file; the tree is unchanged after both.</summary>
    private static void AssertReportedAndSkippable(string root, string badFile, string reason)
    {
        var before = DirectorySnapshot.Take(root);
        var e = Assert.Throws<DataValidationException>(() => Load(root));
        Assert.Contains(badFile, e.Message);
        Assert.Contains(reason, e.Message);
        Assert.Contains("BadFilePolicy.Skip", e.Message);
        var problem = Assert.Single(e.Problems);
        Assert.Equal(badFile, problem.Path);
        before.AssertUnchanged(root);

        var log = new List<string>();
        var ds = Load(root, BadFilePolicy.Skip, log);
        Assert.Equal(6, ds.Count);
        Assert.Equal(badFile, Assert.Single(ds.Skipped).Path);
        Assert.Contains(log, l => l.StartsWith("Warning: skipped 1 of 7 files") && l.Contains(badFile) && l.Contains(reason));
        Assert.Equal(6, ds.GetBatches(0).Sum(b => b.X.Shape[0]));
        before.AssertUnchanged(root);
    }

    private static byte[] GoodPng(int seed = 5) => TestImages.Png(6, 5, 3, TestImages.Pattern(6, 5, 3, seed));

    [Fact]
    public void Missing_directory()
    {
        var e = Assert.Throws<DataValidationException>(() => Load("/no/such/dir"));
        Assert.Contains("/no/such/dir: directory not found", e.Message);
    }

    [Fact]
    public void A_file_given_as_the_directory()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["x.txt"], "x");
        var e = Assert.Throws<DataValidationException>(() => Load(dir["x.txt"]));
        Assert.Contains("is a file, not a directory", e.Message);
    }

    [Fact]
    public void No_class_folders()
    {
        using var dir = new TempDir();
        TestImages.WritePng(dir["loose.png"], 4, 4);
        var before = DirectorySnapshot.Take(dir.Path);
        var e = Assert.Throws<DataValidationException>(() => Load(dir.Path));
        Assert.Contains("no class folders: expected one sub-folder per class", e.Message);
        Assert.Contains("found 1 images directly in the directory", e.Message);
        // Not skippable: there is nothing to train on.
        Assert.Throws<DataValidationException>(() => Load(dir.Path, BadFilePolicy.Skip));
        before.AssertUnchanged(dir.Path);
    }

    [Fact]
    public void An_empty_class()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        Directory.CreateDirectory(Path.Combine(root, "c"));
        File.WriteAllText(Path.Combine(root, "c", "readme.txt"), "no images here");
        var before = DirectorySnapshot.Take(root);
        var e = Assert.Throws<DataValidationException>(() => Load(root));
        Assert.Contains(Path.Combine(root, "c"), e.Message);
        Assert.Contains("class 'c' has no usable images", e.Message);

        var log = new List<string>();
        var ds = Load(root, BadFilePolicy.Skip, log);
        Assert.Equal(["a", "b", "c"], ds.ClassNames); // indices stay tied to the folders
        Assert.Equal(6, ds.Count);
        Assert.Contains(log, l => l.Contains("class 'c' has no usable images"));
        before.AssertUnchanged(root);
    }

    [Fact]
    public void Truncated_png()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var bad = Path.Combine(root, "a", "cut.png");
        var png = GoodPng();
        File.WriteAllBytes(bad, png[..(png.Length / 2)]);
        AssertReportedAndSkippable(root, bad, "truncated PNG");
    }

    [Fact]
    public void Truncated_jpeg()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var bad = Path.Combine(root, "b", "cut.jpg");
        var jpg = TestImages.Jpeg(16, 16, 3, TestImages.Pattern(16, 16, 3, 1));
        File.WriteAllBytes(bad, jpg[..(jpg.Length * 2 / 3)]);
        AssertReportedAndSkippable(root, bad, "truncated JPEG");
    }

    [Fact]
    public void Truncated_bmp()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var bad = Path.Combine(root, "b", "cut.bmp");
        var bmp = TestImages.Bmp(8, 8, 3, TestImages.Pattern(8, 8, 3, 1));
        File.WriteAllBytes(bad, bmp[..(bmp.Length - 40)]);
        AssertReportedAndSkippable(root, bad, "truncated BMP");
    }

    [Fact]
    public void Truncated_gif()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var bad = Path.Combine(root, "b", "cut.gif");
        var gif = TestImages.GrayGif(8, 8, TestImages.Pattern(8, 8, 1, 1));
        File.WriteAllBytes(bad, gif[..(gif.Length - 20)]);
        AssertReportedAndSkippable(root, bad, "truncated GIF");
    }

    [Fact]
    public void Corrupt_content_that_is_no_image()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var bad = Path.Combine(root, "a", "fake.png");
        File.WriteAllText(bad, "<html>not an image</html>");
        AssertReportedAndSkippable(root, bad, "not a PNG, JPEG, BMP or GIF image (unrecognised content starting 3C 68 74 6D");
    }

    [Fact]
    public void Corrupt_png_header()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var bad = Path.Combine(root, "a", "broken.png");
        var png = GoodPng();
        for (var i = 8; i < 33; i++) png[i] = 0xEE; // IHDR chunk overwritten, signature kept
        File.WriteAllBytes(bad, png);
        AssertReportedAndSkippable(root, bad, "corrupt PNG header");
    }

    [Fact]
    public void Empty_file()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var bad = Path.Combine(root, "a", "zero.jpg");
        File.WriteAllBytes(bad, []);
        AssertReportedAndSkippable(root, bad, "empty file (0 bytes)");
    }

    [Fact]
    public void Unsupported_format_by_extension()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var bad = Path.Combine(root, "b", "photo.webp");
        File.WriteAllBytes(bad, [.. "RIFF"u8, 0, 0, 0, 0, .. "WEBPVP8 "u8]);
        AssertReportedAndSkippable(root, bad, "unsupported format '.webp'; supported: PNG, JPEG, BMP, GIF");
    }

    [Fact]
    public void Unsupported_format_behind_an_image_extension()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var bad = Path.Combine(root, "b", "photo.jpg");
        File.WriteAllBytes(bad, [.. "RIFF"u8, 0, 0, 0, 0, .. "WEBPVP8 "u8, 1, 2, 3]);
        AssertReportedAndSkippable(root, bad, "unsupported format (WebP content)");
    }

    [Fact]
    public void Many_problems_list_the_first_ten_with_the_count()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        for (var i = 0; i < 12; i++) File.WriteAllBytes(Path.Combine(root, "a", $"bad{i:D2}.png"), []);
        var e = Assert.Throws<DataValidationException>(() => Load(root));
        Assert.Equal(12, e.Problems.Count);
        Assert.Contains("12 problems (the first 10 listed)", e.Message);
        Assert.Contains("bad09.png", e.Message);
        Assert.DoesNotContain("bad10.png", e.Message);
    }

    [Fact]
    public void Nothing_usable_left_after_skipping_is_still_an_error()
    {
        using var dir = new TempDir();
        var root = dir["tree"];
        Directory.CreateDirectory(Path.Combine(root, "a"));
        File.WriteAllBytes(Path.Combine(root, "a", "x.png"), []);
        var e = Assert.Throws<DataValidationException>(() => Load(root, BadFilePolicy.Skip));
        Assert.Contains("No usable image is left", e.Message);
    }

    [Fact]
    public void A_file_that_disappears_after_the_check_is_reported_when_reached()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var ds = Load(root);
        var victim = ds.FilePaths[1];
        File.Delete(victim);
        var e = Assert.Throws<DataValidationException>(() => ds.GetBatches(0).ToList());
        Assert.Contains(victim, e.Message);
        Assert.Contains("cannot be read", e.Message);
    }

    [Fact]
    public void With_skip_a_file_that_disappears_is_left_out_of_its_batch()
    {
        using var dir = new TempDir();
        var root = GoodTree(dir);
        var log = new List<string>();
        var ds = Load(root, BadFilePolicy.Skip, log);
        var victim = ds.FilePaths[1];
        File.Delete(victim);
        var sizes = ds.GetBatches(0).Select(b => b.X.Shape[0]).ToArray();
        Assert.Equal([3, 2], sizes); // batch size 4: the first batch lost one sample
        Assert.Equal(victim, Assert.Single(ds.SkippedDuringEpochs).Path);
        Assert.Contains(log, l => l.Contains("Warning: skipped") && l.Contains(victim));
    }

    // ---- CSV --------------------------------------------------------------------------------

    private static string Csv(TempDir dir, string body)
    {
        for (var i = 0; i < 3; i++) TestImages.WritePng(dir[$"{i}.png"], 6, 5, 3, seed: i);
        File.WriteAllText(dir["labels.csv"], body);
        return dir["labels.csv"];
    }

    private static ImageDataset LoadCsv(string csv, BadFilePolicy policy = BadFilePolicy.Error, IReadOnlyList<string>? labels = null, List<string>? log = null) =>
        Datasets.MultiLabelFromCsv(csv, imageSize: (5, 6), shuffle: false, labels: labels, onBadFile: policy, log: (log ?? []).Add);

    [Fact]
    public void Csv_row_naming_a_missing_file()
    {
        using var dir = new TempDir();
        var csv = Csv(dir, "path,labels\n0.png,x\nmissing.png,y\n1.png,y|x\n");
        var before = DirectorySnapshot.Take(dir.Path);
        var e = Assert.Throws<DataValidationException>(() => LoadCsv(csv));
        Assert.Contains($"{csv}, line 3: image file 'missing.png' not found (resolved to {dir["missing.png"]})", e.Message);

        var log = new List<string>();
        var ds = LoadCsv(csv, BadFilePolicy.Skip, log: log);
        Assert.Equal(2, ds.Count);
        Assert.Equal(3, Assert.Single(ds.Skipped).Line);
        Assert.Contains(log, l => l.StartsWith("Warning: skipped 1 of 3 rows"));
        before.AssertUnchanged(dir.Path);
    }

    [Fact]
    public void Csv_row_with_an_unknown_label()
    {
        using var dir = new TempDir();
        var csv = Csv(dir, "0.png,cat\n1.png,cat|zebra\n2.png,dog\n");
        var before = DirectorySnapshot.Take(dir.Path);
        var e = Assert.Throws<DataValidationException>(() => LoadCsv(csv, labels: ["cat", "dog"]));
        Assert.Contains($"{csv}, line 2: unknown label 'zebra'; the vocabulary has 2 labels: cat, dog", e.Message);

        var ds = LoadCsv(csv, BadFilePolicy.Skip, labels: ["cat", "dog"]);
        Assert.Equal(2, ds.Count);
        Assert.Equal([1f, 0f, 0f, 1f], ds.MultiHotTargets());
        before.AssertUnchanged(dir.Path);
    }

    [Fact]
    public void Csv_row_with_a_bad_image_names_the_image_and_the_line()
    {
        using var dir = new TempDir();
        var csv = Csv(dir, "0.png,a\n1.png,b\n");
        var png = File.ReadAllBytes(dir["1.png"]);
        File.WriteAllBytes(dir["1.png"], png[..20]);
        var e = Assert.Throws<DataValidationException>(() => LoadCsv(csv));
        Assert.Contains($"{dir["1.png"]}: corrupt PNG header", e.Message);
        Assert.Contains("(line 2 of labels.csv)", e.Message);
    }

    [Fact]
    public void Csv_rows_with_wrong_columns_or_open_quotes()
    {
        using var dir = new TempDir();
        var csv = Csv(dir, "0.png,a,extra\n\"1.png,b\n2.png,c\n");
        var e = Assert.Throws<DataValidationException>(() => LoadCsv(csv));
        Assert.Contains("line 1: expected 2 columns (path,labels) but found 3", e.Message);
        Assert.Contains("line 2: a quoted field is not closed", e.Message);
        Assert.Equal(2, e.Problems.Count);
    }

    [Fact]
    public void Csv_file_not_found()
    {
        var e = Assert.Throws<DataValidationException>(() => LoadCsv("/no/such/labels.csv"));
        Assert.Contains("/no/such/labels.csv: CSV file not found", e.Message);
    }
}
