using Engine.Serialization;

namespace Engine.Tests.Serialization;

public class AtomicFileTests
{
    [Fact]
    public void A_failing_writer_leaves_the_old_file_intact_and_no_temporary_files()
    {
        var path = SafetensorsTests.TempFile();
        AtomicFile.WriteAllText(path, "old contents");
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("new, half written"u8);
            throw new InvalidOperationException("disk on fire");
        }));
        Assert.Equal("disk on fire", e.Message);
        Assert.Equal("old contents", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void A_successful_write_replaces_the_file()
    {
        var path = SafetensorsTests.TempFile();
        AtomicFile.WriteAllText(path, "old");
        AtomicFile.WriteAllBytes(path, "new"u8.ToArray());
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void A_failing_safetensors_save_keeps_the_previous_checkpoint()
    {
        var path = SafetensorsTests.TempFile();
        Safetensors.Save(path, SafetensorsTests.Sample(), SafetensorsTests.SampleMetadata);
        var before = File.ReadAllBytes(path);
        var disposed = Engine.Tensors.Tensor.Zeros(new Engine.Tensors.Shape(3));
        disposed.Dispose();
        var tensors = new Dictionary<string, Engine.Tensors.Tensor>(SafetensorsTests.Sample()) { ["zz_gone"] = disposed };
        Assert.Throws<ObjectDisposedException>(() => Safetensors.Save(path, tensors));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Missing_directory_is_a_clear_error()
    {
        var path = Path.Combine(Path.GetTempPath(), "engine-no-such-dir-" + Guid.NewGuid().ToString("N"), "x.bin");
        var e = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllText(path, "x"));
        Assert.Contains("does not exist", e.Message);
    }
}
