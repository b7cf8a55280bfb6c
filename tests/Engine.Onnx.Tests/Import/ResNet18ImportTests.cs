using Engine.Onnx.Tests.Support;
using Engine.Tensors;

namespace Engine.Onnx.Tests.Import;

/// <summary>The pretrained ResNet18 (CNTK export, opset 8: Conv with asymmetric pads, BatchNormalization,
/// Relu, Add, MaxPool, AveragePool) imported into Engine gives ONNX Runtime's 512 features within 1e-4
/// on three real photos, preprocessed by the package's own ResNetPreprocess.onnx (RGB→BGR, minus the
/// mean image) run in ONNX Runtime.</summary>
public sealed class ResNet18ImportTests
{
    [Fact]
    public void FeaturesEqualOnnxRuntimeOnRealPhotos()
    {
        using var model = OnnxModel.Load(TestAssets.ResNet18);
        Assert.Equal([3, 224, 224], model.InputShape!);
        var inputs = TestAssets.Photos.Select(p => Preprocess(TestAssets.Photo(p))).ToList();

        // Engine runs the three photos as one batch; the file's batch dimension is fixed at 1 for ORT.
        using var batch = Tensor.FromArray(inputs.SelectMany(i => i.ToFloatArray()).ToArray(), 3, 3, 224, 224);
        var engine = model.Predict(batch).ToFloatArray();
        var per = engine.Length / 3;
        for (var i = 0; i < inputs.Count; i++)
        {
            var ort = OrtRunner.Run(TestAssets.ResNet18, inputs[i]).Values.Single();
            Assert.Equal(512, ort.Values.Length);
            using var mine = Tensor.FromArray(engine[(i * per)..((i + 1) * per)], ort.Shape);
            OrtRunner.AssertClose($"ResNet18 on {TestAssets.Photos[i]}", mine, ort, atol: 1e-4, rtol: 1e-4);
            // Real features, not a dead network: ImageNet ResNet18 features of a photo are mostly positive.
            Assert.True(ort.Values.Count(v => v > 0) > 256, $"{TestAssets.Photos[i]}: only {ort.Values.Count(v => v > 0)} positive features");
        }
    }

    [Fact]
    public void StemWithAsymmetricPaddingEqualsOnnxRuntime()
    {
        // Conv 7x7/2 with pads (3, 3, 2, 2), BatchNormalization, Relu, MaxPool 3x3/2 with pads (1, 1, 0, 0):
        // ORT is asked for the max pool's output as an extra graph output.
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestAssets.ResNet18));
        proto.Graph.Output.Add(new global::Onnx.ValueInfoProto { Name = "Pooling255_Output_0" });
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("stem.onnx"), Google.Protobuf.MessageExtensions.ToByteArray(proto));
        using var stem = OnnxModel.Load(TestAssets.ResNet18, new OnnxImportOptions { StopAt = "Pooling255" });
        Assert.Equal([64, 56, 56], stem.OutputShapes.Values.Single());
        using var x = Preprocess(TestAssets.Photo("chelsea"));
        var ort = OrtRunner.Run(dir.File("stem.onnx"), x)["Pooling255_Output_0"];
        OrtRunner.AssertClose("ResNet18 stem on chelsea", stem.Predict(x), ort, atol: 1e-4, rtol: 1e-4);
    }

    internal static Tensor Preprocess(Tensor rgb)
    {
        var output = OrtRunner.Run(TestAssets.ResNetPreprocess, rgb).Values.Single();
        return Tensor.FromArray(output.Values, output.Shape);
    }
}
