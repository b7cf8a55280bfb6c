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
        using var x = ExportCases.InputFor(name, model);
        using var dir = new TempDir();
        var path = dir.File($"{name}.onnx");
        model.ExportOnnx(path);

        var expected = model.PredictAll(x);
        var actual = OrtRunner.Run(path, x);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (output, y) in expected) OrtRunner.AssertClose($"{name}/{output}", y, actual[output]);

        var single = OrtRunner.Run(path, Slice0(x, model));
        foreach (var (output, y) in model.PredictAll(Slice0(x, model))) OrtRunner.AssertClose($"{name}/{output} batch 1", y, single[output]);
    }

    private static Engine.Tensors.Tensor Slice0(Engine.Tensors.Tensor x, Engine.Models.Model model)
    {
        var all = x.ToFloatArray();
        var per = all.Length / x.Shape[0];
        return Engine.Tensors.Tensor.FromArray(all[..per], [1, .. model.InputShape!]);
    }
}
