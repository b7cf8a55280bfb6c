using System.IO.Compression;

namespace Engine.Data.Tests;

public class IdxReaderTests
{
    private static IdxData SmallImages() => new([3, 2, 4], Enumerable.Range(0, 24).Select(i => (byte)(i * 10)).ToArray());

    [Theory]
    [InlineData("images-idx3-ubyte")]
    [InlineData("images-idx3-ubyte.gz")]
    public void Round_trips_plain_and_gzipped(string name)
    {
        using var dir = new TempDir();
        var path = dir[name];
        IdxWriter.Write(path, SmallImages());
        var read = IdxReader.ReadImages(path);
        Assert.Equal([3, 2, 4], read.Dimensions);
        Assert.Equal(SmallImages().Data, read.Data);
        var gz = File.ReadAllBytes(path)[..2] is [0x1F, 0x8B];
        Assert.Equal(name.EndsWith(".gz"), gz);
    }

    [Fact]
    public void Gzip_is_detected_from_content_not_name()
    {
        using var dir = new TempDir();
        var gz = dir["labels.gz"];
        IdxWriter.Write(gz, new IdxData([5], [1, 2, 3, 4, 5]));
        var renamed = dir["labels-idx1-ubyte"];
        File.Copy(gz, renamed);
        Assert.Equal([1, 2, 3, 4, 5], IdxReader.ReadLabels(renamed));
    }

    [Fact]
    public void Header_bytes_are_big_endian_with_the_mnist_magic()
    {
        var bytes = IdxWriter.ToBytes(SmallImages());
        Assert.Equal([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4], bytes[..16]);
        Assert.Equal(IdxReader.ImagesMagic, SmallImages().Magic);
        Assert.Equal(IdxReader.LabelsMagic, new IdxData([2], [0, 1]).Magic);
    }

    [Fact]
    public void Truncated_data_names_the_file_and_the_sizes()
    {
        using var dir = new TempDir();
        var path = dir["cut-idx3-ubyte"];
        File.WriteAllBytes(path, IdxWriter.ToBytes(SmallImages())[..^5]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("3x2x4 (24 bytes of data) but only 19 bytes follow", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        using var dir = new TempDir();
        var path = dir["short"];
        File.WriteAllBytes(path, IdxWriter.ToBytes(SmallImages())[..9]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains("declares 3 dimensions (16 header bytes) but the file has only 9 bytes", e.Message);
    }

    [Fact]
    public void Truncated_gzip_stream_is_reported()
    {
        using var dir = new TempDir();
        var path = dir["cut.gz"];
        var full = new MemoryStream();
        using (var gz = new GZipStream(full, CompressionLevel.Optimal, leaveOpen: true))
            gz.Write(IdxWriter.ToBytes(new IdxData([1000], Enumerable.Range(0, 1000).Select(i => (byte)(i * 7919 % 256)).ToArray())));
        File.WriteAllBytes(path, full.ToArray()[..(int)(full.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains("truncated"), e.Message);
    }

    [Fact]
    public void Not_an_idx_file_says_what_was_expected()
    {
        using var dir = new TempDir();
        var path = dir["readme.txt"];
        File.WriteAllText(path, "hello world");
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains("is not an idx file", e.Message);
        Assert.Contains("00 00 08 0N", e.Message);
    }

    [Fact]
    public void Labels_file_where_images_are_expected_is_named()
    {
        using var dir = new TempDir();
        var path = dir["labels"];
        IdxWriter.Write(path, new IdxData([2], [0, 1]));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains("expected an idx images file (magic 0x00000803), found magic 0x00000801 (labels", e.Message);
    }

    [Fact]
    public void Other_element_types_are_refused_clearly()
    {
        using var dir = new TempDir();
        var path = dir["floats"];
        File.WriteAllBytes(path, [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains("0x0D (float32) is not supported", e.Message);
    }

    [Fact]
    public void Extra_bytes_after_the_data_are_reported()
    {
        using var dir = new TempDir();
        var path = dir["long"];
        File.WriteAllBytes(path, [.. IdxWriter.ToBytes(new IdxData([2], [0, 1])), 7]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains("header and the data disagree", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_file_not_found_error()
    {
        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.Read("/no/such/train-images-idx3-ubyte"));
        Assert.Contains("/no/such/train-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void Mnist_load_reads_a_directory_in_the_published_layout()
    {
        using var dir = new TempDir();
        IdxWriter.Write(dir["train-images-idx3-ubyte.gz"], new IdxData([2, 2, 2], [0, 255, 0, 255, 51, 51, 51, 51]));
        IdxWriter.Write(dir["train-labels-idx1-ubyte.gz"], new IdxData([2], [3, 9]));
        IdxWriter.Write(dir["t10k-images-idx3-ubyte"], new IdxData([1, 2, 2], [255, 255, 255, 255]));
        IdxWriter.Write(dir["t10k-labels-idx1-ubyte"], new IdxData([1], [1]));
        var (train, test) = Mnist.Load(dir.Path);
        Assert.Equal([3, 9], train.Labels);
        Assert.Equal([0f, 1f, 0f, 1f, 0.2f, 0.2f, 0.2f, 0.2f], train.Pixels);
        Assert.Equal(1, test.Count);
        Assert.Equal((1, 2, 2), (test.Channels, test.Height, test.Width));
        Assert.Equal(10, train.NumClasses);
    }

    [Fact]
    public void Mnist_load_reports_a_count_mismatch()
    {
        using var dir = new TempDir();
        IdxWriter.Write(dir["train-images-idx3-ubyte"], new IdxData([2, 1, 1], [0, 1]));
        IdxWriter.Write(dir["train-labels-idx1-ubyte"], new IdxData([3], [0, 1, 2]));
        IdxWriter.Write(dir["test-images-idx3-ubyte"], new IdxData([1, 1, 1], [0]));
        IdxWriter.Write(dir["test-labels-idx1-ubyte"], new IdxData([1], [0]));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(dir.Path));
        Assert.Contains("holds 2 images but", e.Message);
        Assert.Contains("holds 3 labels", e.Message);
    }

    [Fact]
    public void Fashion_mnist_files_load_when_converted()
    {
        var dir = Path.Combine(RepoRoot(), "data", "fashion-mnist");
        if (!File.Exists(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz")))
            Assert.Skip("data/fashion-mnist/ not present (make it with: python3 scripts/convert-fashion-mnist.py)");
        var (train, test) = FashionMnist.Load(dir);
        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        Assert.All(test.ClassCounts(), c => Assert.Equal(1000, c));
        Assert.Equal("Ankle boot", train.ClassNames[9]);
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Engine.sln"))) d = d.Parent;
        return d?.FullName ?? AppContext.BaseDirectory;
    }
}
