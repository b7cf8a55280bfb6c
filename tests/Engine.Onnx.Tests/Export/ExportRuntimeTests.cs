using Engine.Onnx.Tests.Support;

namespace Engine.Onnx.Tests.Export;

/// <summary>Every exported case run by ONNX Runtime equals Engine's Predict (≤ 1e-5 + 1e-4·|x|), on a
/// batch of 3 (the file's batch dimension is dynamic) and again on a batch of 1.</summary>
public sealed class ExportRuntimeTests
{
    public static TheoryData<string> Cases => [.. ExportCases.All.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntimeReproducesPredict(string name)
    {
        using var model = ExportCases.All[name]();
        using var dir = new TempDir();
        var path = dir.File($"{name}.onnx");
        model.ExportOnnx(path);
        foreach (var batch in new[] { 3, 1 })
        {
            var xs = ExportCases.InputsFor(name, model, batch);
            var expected = model.PredictAll(xs);
            var actual = OrtRunner.Run(path, xs);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (output, y) in expected) OrtRunner.AssertClose($"{name}/{output} batch {batch}", y, actual[output]);
        }
    }
}
