namespace Engine.Cli.Tests;

public class InfoAndSummaryTests
{
    [Fact]
    public void InfoReportsCpuAndCuda()
    {
        var (code, stdout, _) = CliRunner.Run("info");
        Assert.Equal(0, code);
        Assert.Contains("CPU:", stdout);
        Assert.Contains("CUDA:", stdout);
    }

    [Theory]
    [InlineData(1, 28, "93,322")]
    [InlineData(3, 64, "(None, 64, 12, 12)")]
    public void SeedSummary(int channels, int size, string expected)
    {
        var (code, stdout, _) = CliRunner.Run("summary", "--channels", channels.ToString(), "--image-size", size.ToString());
        Assert.Equal(0, code);
        Assert.Contains(expected, stdout);
    }

    [Theory]
    [InlineData("resnet18", "Trainable params: 11,689,512")]
    [InlineData("resnet34", "Trainable params: 21,797,672")]
    [InlineData("resnet50", "Total params: 25,636,712")]
    [InlineData("mobilenetv2", "Total params: 3,538,984")]
    public void SummaryPrintsTheZooReferenceCounts(string model, string expected)
    {
        var (code, stdout, _) = CliRunner.Run("summary", "--model", model, "--image-size", "224", "--channels", "3", "--classes", "1000");
        Assert.Equal(0, code);
        Assert.Contains(expected, stdout);
    }
}
