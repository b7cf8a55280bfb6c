using Engine.Cli.Tests.Support;

namespace Engine.Cli.Tests;

/// <summary>`train --class-weight balanced` prints the weights it trains with, per class name.</summary>
public class ClassWeightOutputTests
{
    [Fact]
    public void BalancedClassWeightsArePrintedWithTheClassNames()
    {
        var root = CliRunner.TempDir();
        var data = Path.Combine(root, "data");
        ImageFolders.Write(data, ["common"], perClass: 15, size: 20);
        ImageFolders.Write(data, ["rare"], perClass: 5, size: 20);
        var (code, stdout, stderr) = CliRunner.Run("train", "--data", data, "--image-size", "20", "--class-weight", "balanced", "--validation-split", "0.2",
            "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--output", Path.Combine(root, "run"));
        Assert.True(code == 0, stderr);
        // n / (classes * count) over the 16 training images; the rare class weighs more.
        var line = stdout.Split('\n').Single(l => l.StartsWith("Class weights (balanced): ", StringComparison.Ordinal));
        var weights = line["Class weights (balanced): ".Length..].Split(", ").Select(p => p.Split('=')).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["common", "rare"], weights.Keys.Order());
        Assert.True(weights["rare"] > 1 && weights["common"] < 1, line);
    }
}
