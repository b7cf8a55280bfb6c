using StbImageWriteSharp;

namespace Engine.Cli.Tests;

/// <summary>`engine train --labels CSV --pos-weight auto` then `evaluate` on the run: the multi-label
/// path end to end, on 40 20x20 generated images with labels from a CSV.</summary>
public class MultiLabelEndToEndTests
{
    [Fact]
    public void TrainsFromACsvAndReportsPerLabelScores()
    {
        var dir = CliRunner.TempDir();
        var lines = new List<string> { "path,labels" };
        for (var i = 0; i < 40; i++)
        {
            // Label "left" lights the left half, "right" the right half; some images have both.
            var (left, right) = (i % 2 == 0, i % 3 == 0 || i % 2 == 1);
            var pixels = new byte[20 * 20];
            for (var y = 0; y < 20; y++)
                for (var x = 0; x < 20; x++)
                    pixels[y * 20 + x] = (byte)((x < 10 ? left : right) ? 220 : 20);
            var name = $"img{i}.png";
            using (var f = File.Create(Path.Combine(dir, name)))
                new ImageWriter().WritePng(pixels, 20, 20, ColorComponents.Grey, f);
            lines.Add($"{name},{string.Join('|', new[] { left ? "left" : null, right ? "right" : null }.OfType<string>())}");
        }
        var csv = Path.Combine(dir, "labels.csv");
        File.WriteAllLines(csv, lines);
        var run = Path.Combine(dir, "run");

        var train = CliRunner.Run("train", "--labels", csv, "--pos-weight", "auto", "--grayscale", "--image-size", "20",
            "--epochs", "1", "--batch-size", "8", "--device", "cpu", "--output", run);
        Assert.True(train.Code == 0, train.Out + train.Err);
        Assert.Contains("2 labels", train.Out);
        // The positive weights it uses are printed, and the kept checkpoint is the best on val_loss (as the README says).
        Assert.Matches(@"Positive weights \(auto\) for 2 labels: min \d[\d.]*, median \d[\d.]*, max \d[\d.]*", train.Out);
        Assert.Contains("Best checkpoint (on val_loss)", train.Out);
        Assert.True(File.Exists(Path.Combine(run, "model.safetensors")));

        var evaluate = CliRunner.Run("evaluate", run, "--labels", csv);
        Assert.True(evaluate.Code == 0, evaluate.Out + evaluate.Err);
        Assert.Contains("Per label", evaluate.Out);
        Assert.Contains("left", evaluate.Out);
        Assert.Contains("right", evaluate.Out);
    }
}
