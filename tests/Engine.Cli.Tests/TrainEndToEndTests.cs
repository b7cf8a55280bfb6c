using System.Text.Json.Nodes;
using Engine.Cli.RunFolders;
using Engine.Cli.Training;
using Engine.Models;
using StbImageSharp;

namespace Engine.Cli.Tests;

/// <summary>`engine train` on a tiny budget, then evaluate / predict / summary on its run folder.</summary>
public class TrainEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public void TrainWritesARunFolderThatTheOtherCommandsUse()
    {
        var run = Path.Combine(CliRunner.TempDir(), "run");
        var (code, stdout, stderr) = CliRunner.Run("train", "--limit", "400", "--epochs", "2", "--device", "cpu", "--output", run);
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, code);
        Assert.Contains("Device: cpu", stdout);
        Assert.Contains("Total params: 93,322", stdout);
        Assert.Contains("Test accuracy:", stdout);

        // The checkpoint loads and predicts ten classes.
        using (var model = Model.Load(Path.Combine(run, RunFolder.ModelFile)))
            Assert.Equal(10, model.OutputShapes.Values.Single()[^1]);
        // One CSV row per epoch, under a header naming the metrics.
        var csv = File.ReadAllLines(Path.Combine(run, RunFolder.HistoryCsv)).Where(l => l.Length > 0).ToArray();
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("epoch,", csv[0]);
        Assert.Contains("val_accuracy", csv[0]);
        // The learning-curve PNG decodes.
        var png = ImageResult.FromMemory(File.ReadAllBytes(Path.Combine(run, RunFolder.HistoryPng)), ColorComponents.RedGreenBlue);
        Assert.True(png.Width >= 400 && png.Height >= 300, $"history.png is {png.Width}x{png.Height}");
        Assert.Contains("93,322", File.ReadAllText(Path.Combine(run, RunFolder.SummaryFile)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run, RunFolder.ConfigFile)))!;
        Assert.Equal(2, (int)config["epochs"]!);
        Assert.Equal(400, (int)config["limit"]!);

        var evaluate = CliRunner.Run("evaluate", run);
        Assert.True(evaluate.Code == 0, evaluate.Err);
        Assert.Contains("Confusion matrix", evaluate.Out);
        Assert.Contains("accuracy", evaluate.Out);

        var digit = Path.Combine(CliRunner.TempDir(), "digit.png");
        WriteDigitPng(digit);
        var predict = CliRunner.Run("predict", digit, "--model", run, "--top-k", "2");
        Assert.True(predict.Code == 0, predict.Err);
        Assert.Contains("digit.png", predict.Out);
        Assert.Matches(@"\d \(0\.\d{3}\)", predict.Out);

        var summary = CliRunner.Run("summary", "--model", run);
        Assert.Equal(0, summary.Code);
        Assert.Contains("Total params: 93,322", summary.Out);

        // A finished run is never overwritten.
        var again = CliRunner.Run("train", "--limit", "100", "--epochs", "1", "--device", "cpu", "--output", run);
        Assert.Equal(2, again.Code);
        Assert.Contains("already holds a finished run", again.Err);
    }

    /// <summary>The first test digit of the embedded set, as a grayscale PNG.</summary>
    private static void WriteDigitPng(string path)
    {
        var digits = Data.Digits.Load(rescale: false).Test;
        var pixels = digits.Pixels.AsSpan(0, 28 * 28).ToArray().Select(v => (byte)v).ToArray();
        using var file = File.Create(path);
        new StbImageWriteSharp.ImageWriter().WritePng(pixels, 28, 28, StbImageWriteSharp.ColorComponents.Grey, file);
    }
}
