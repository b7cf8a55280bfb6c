using Engine.Cli.Training;
using Engine.Layers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Cli.Tests;

/// <summary>The fixed first layer computes Keras's preprocess_input modes from RGB pixels in [0, 255].</summary>
public class BackbonePreprocessingTests
{
    private static float[] Apply(string mode, float[] rgb)
    {
        var input = new Input([3, 1, 1], "x");
        var layer = BackbonePreprocessing.Layer(mode, 3)!;
        using var model = new Model(input, layer.Apply(input.Output));
        BackbonePreprocessing.SetWeights(layer, mode);
        using var x = Tensor.FromArray(rgb, 1, 3, 1, 1);
        return model.Predict(x).ToFloatArray();
    }

    [Theory]
    [InlineData("caffe", 10f, 200f, 255f, 255 - 103.939f, 200 - 116.779f, 10 - 123.68f)] // BGR, minus means
    [InlineData("torch", 10f, 200f, 255f, (10 / 255f - 0.485f) / 0.229f, (200 / 255f - 0.456f) / 0.224f, (255 / 255f - 0.406f) / 0.225f)]
    [InlineData("tf", 0f, 127.5f, 255f, -1f, 0f, 1f)]
    public void ModesMatchKerasPreprocessInput(string mode, float r, float g, float b, float e0, float e1, float e2)
    {
        var y = Apply(mode, [r, g, b]);
        float[] expected = [e0, e1, e2];
        for (var c = 0; c < 3; c++) Assert.True(Math.Abs(y[c] - expected[c]) <= 1e-4 * (1 + Math.Abs(expected[c])), $"{mode} channel {c}: {y[c]} vs {expected[c]}");
    }

    [Fact]
    public void NoneIsNoLayerAndGrayscaleIsRefusedForColourModes()
    {
        Assert.Null(BackbonePreprocessing.Layer("none", 1));
        var e = Assert.Throws<UsageException>(() => BackbonePreprocessing.Layer("caffe", 1));
        Assert.Contains("3 channels", e.Message);
        Assert.Equal(("caffe", "the ONNX file's 'preprocessing' metadata"), BackbonePreprocessing.Resolve(null, new Dictionary<string, string> { ["preprocessing"] = "caffe" }));
        Assert.Equal("none", BackbonePreprocessing.Resolve(null, new Dictionary<string, string> { ["preprocessing"] = "float32 NCHW, fed as trained" }).Mode);
        Assert.Equal("torch", BackbonePreprocessing.Resolve("torch", new Dictionary<string, string> { ["preprocessing"] = "caffe" }).Mode);
    }
}
