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
}
