using Engine.Onnx.Tests.Support;

namespace Engine.Onnx.Tests.Export;

/// <summary>The reference checker (full_check: types and shapes inferred through the graph) accepts
/// every file the exporter writes: all the layer cases, the seed CNN and the two-head model.</summary>
public sealed class ExportCheckerTests
{
    [Fact]
    public void ReferenceCheckerAcceptsEveryExportedCase()
    {
        OnnxChecker.RequireAvailable();
        using var dir = new TempDir();
        var paths = new List<string>();
        foreach (var (name, build) in ExportCases.All)
        {
            using var model = build();
            var path = dir.File($"{name}.onnx");
            model.ExportOnnx(path, new OnnxExportOptions { ClassNames = ["a", "b"] });
            paths.Add(path);
        }
        OnnxChecker.AssertValid(paths);
    }

    [Fact]
    public void CheckerRejectsABrokenFile()
    {
        // Negative control: the checker call really fails on an invalid model (a node reading a tensor nobody makes).
        OnnxChecker.RequireAvailable();
        using var dir = new TempDir();
        using var model = ExportCases.All["flatten_dense"]();
        var proto = model.ToOnnx();
        proto.Graph.Node[0].Input[0] = "missing_tensor";
        var path = dir.File("broken.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => OnnxChecker.AssertValid([path]));
    }
}
