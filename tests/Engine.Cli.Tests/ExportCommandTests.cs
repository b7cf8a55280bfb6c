using Engine.Cli.RunFolders;
using Engine.Cli.Training;
using Engine.Models;
using Engine.Onnx;
using Engine.Tensors;

namespace Engine.Cli.Tests;

/// <summary>`engine export RUN --format onnx --output FILE` on a tiny trained run.</summary>
public class ExportCommandTests
{
    [Fact]
    public void ExportsTheRunsModelWithClassNamesAndRefusesToOverwrite()
    {
        var run = Path.Combine(CliRunner.TempDir(), "run");
        var train = CliRunner.Run("train", "--limit", "200", "--epochs", "1", "--device", "cpu", "--output", run);
        Assert.True(train.Code == 0, train.Err);

        var file = Path.Combine(CliRunner.TempDir(), "model.onnx");
        var export = CliRunner.Run("export", run, "--format", "onnx", "--output", file);
        Assert.True(export.Code == 0, export.Err);
        Assert.Contains("opset 13", export.Out);

        // The file carries the class names and imports back to the same predictions.
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(file));
        Assert.Equal("[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]", proto.MetadataProps.Single(p => p.Key == "class_names").Value);
        using var original = Model.Load(Path.Combine(run, RunFolder.ModelFile));
        using var imported = OnnxModel.Load(file);
        using var x = Tensor.RandomUniform(new Shape(2, 1, 28, 28), new Rng(3), 0, 255);
        var a = original.Predict(x).ToFloatArray();
        var b = imported.Predict(x).ToFloatArray();
        for (var i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 + 1e-4 * Math.Abs(a[i]), $"[{i}] {a[i]} vs {b[i]}");

        var again = CliRunner.Run("export", run, "--output", file);
        Assert.Equal(2, again.Code);
        Assert.Contains("already exists", again.Err);
        var badFormat = CliRunner.Run("export", run, "--format", "tflite", "--output", file + ".x");
        Assert.Equal(2, badFormat.Code);
        Assert.Contains("only export format is 'onnx'", badFormat.Err);
    }
}
