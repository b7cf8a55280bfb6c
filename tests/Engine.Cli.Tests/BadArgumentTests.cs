namespace Engine.Cli.Tests;

/// <summary>Bad arguments, missing paths and unusable data exit with code 2 and say what is wrong.</summary>
public class BadArgumentTests
{
    [Theory]
    [InlineData("Unrecognized command or argument '--bogus'", "train", "--bogus")]
    [InlineData("--epochs must be at least 1", "train", "--epochs", "0")]
    [InlineData("at least 18 for the seed CNN", "train", "--data", "/tmp", "--image-size", "16")]
    [InlineData("at least 18 for the seed CNN", "summary", "--image-size", "16")]
    [InlineData("does not exist", "train", "--data", "/nonexistent/folder")]
    [InlineData("does not exist", "train", "--labels", "/nonexistent/labels.csv")]
    [InlineData("Pass either --data", "train", "--data", "/tmp", "--labels", "/etc/hostname")]
    [InlineData("--multi-label needs --labels", "train", "--multi-label")]
    [InlineData("--pos-weight", "train", "--pos-weight", "auto")]
    [InlineData("--validation-split must be between 0 and 1", "train", "--validation-split", "1.5")]
    [InlineData("--device must be auto, cpu, cuda or cuda:N", "train", "--device", "tpu")]
    [InlineData("'adagrad'", "train", "--optimizer", "adagrad")]
    [InlineData("No model at", "evaluate", "/nonexistent/run")]
    [InlineData("has no model.safetensors", "predict", "/nonexistent/image.png", "--model", "/tmp")]
    [InlineData("--model", "predict", "/etc/hostname")]
    [InlineData("Model config", "summary", "--model", "/nonexistent/model.json")]
    public void ExitCode2WithMessage(string expected, params string[] args)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
    }

    [Fact]
    public void CudaOnAMachineWithoutOneIsAUsageError()
    {
        if (Backends.CudaBackend.IsAvailable) Assert.Skip("This machine has a usable CUDA GPU, so --device cuda is valid here.");
        var (code, _, err) = CliRunner.Run("train", "--device", "cuda", "--limit", "50", "--epochs", "1", "--output", CliRunner.TempDir());
        Assert.Equal(2, code);
        Assert.Contains("CUDA is not usable here", err);
    }

    [Fact]
    public void EmptyClassFolderTreeIsReportedWithItsPath()
    {
        var dir = CliRunner.TempDir();
        var (code, _, err) = CliRunner.Run("train", "--data", dir, "--epochs", "1", "--output", Path.Combine(dir, "run"));
        Assert.Equal(2, code);
        Assert.Contains(dir, err);
        Assert.False(Directory.Exists(Path.Combine(dir, "run", "model.safetensors")));
    }
}
