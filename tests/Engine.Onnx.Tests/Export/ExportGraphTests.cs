using Engine.Layers;
using Engine.Models;
using Engine.Onnx.Tests.Support;
using Engine.Tensors;

namespace Engine.Onnx.Tests.Export;

/// <summary>What the exported graph looks like: names, dynamic batch, inference form, metadata, errors.</summary>
public sealed class ExportGraphTests
{
    [Fact]
    public void LayerNamesBecomeNodeAndTensorNames()
    {
        using var model = ExportCases.All["two_heads"]();
        var g = model.ToOnnx().Graph;
        foreach (var layer in model.Layers.Where(l => l is not Dropout))
            Assert.Contains(g.Node, n => n.Name == layer.Name && n.Output.Single() == layer.Name);
        Assert.Equal(["image"], g.Input.Select(i => i.Name));
        Assert.Equal(["coarse", "fine"], g.Output.Select(o => o.Name));
    }

    [Fact]
    public void BatchDimensionIsSymbolicAndTheRestFixed()
    {
        using var model = ExportCases.All["seed_cnn"]();
        var g = model.ToOnnx().Graph;
        var dims = g.Input[0].Type.TensorType.Shape.Dim;
        Assert.Equal("batch", dims[0].DimParam);
        Assert.Equal([1L, 28, 28], dims.Skip(1).Select(d => d.DimValue));
        Assert.Equal("batch", g.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(10, g.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
    }

    [Fact]
    public void InferenceFormHasNoDropoutAndBatchNormWithoutTrainingOutputs()
    {
        using var model = ExportCases.All["two_heads"]();
        var g = model.ToOnnx().Graph;
        Assert.DoesNotContain(g.Node, n => n.OpType == "Dropout");
        var bn = Assert.Single(g.Node, n => n.OpType == "BatchNormalization");
        Assert.Single(bn.Output);
        Assert.Equal(["image", "trunk_bn/gamma", "trunk_bn/beta", "trunk_bn/moving_mean", "trunk_bn/moving_variance"],
            [g.Node.Single(n => n.Name == "trunk_conv/conv").Input[0], .. bn.Input.Skip(1)]);
    }

    [Fact]
    public void MetadataCarriesClassNamesLayoutAndPreprocessing()
    {
        using var model = ExportCases.All["seed_cnn"]();
        var proto = model.ToOnnx(new OnnxExportOptions
        {
            ClassNames = ["zero", "one"],
            ClassNamesByOutput = new Dictionary<string, IReadOnlyList<string>> { ["dense_1"] = ["x", "y"] },
            Metadata = new Dictionary<string, string> { ["author"] = "tests" },
        });
        var meta = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("NCHW", meta["input_layout"]);
        Assert.Equal("[1,28,28]", meta["input_shape"]);
        Assert.Equal("[\"zero\",\"one\"]", meta["class_names"]);
        Assert.Equal("[\"x\",\"y\"]", meta["class_names.dense_1"]);
        Assert.Contains("x*0.00392156862745098+0", meta["preprocessing"]);
        Assert.Equal("tests", meta["author"]);
        Assert.Equal(OnnxExport.Opset, proto.OpsetImport.Single().Version);
    }

    [Fact]
    public void UnknownLayerTypeIsAnErrorNamingIt()
    {
        using var model = new Sequential([new Input(4), new Doubler(name: "twice"), new Dense(2)]);
        var e = Assert.Throws<OnnxExportException>(() => model.ToOnnx());
        Assert.Contains("Layer 'twice' (Doubler) cannot be exported to ONNX", e.Message);
        Assert.Contains("Conv2D", e.Message);
    }

    [Fact]
    public void RegisteredLayerTypeExports()
    {
        OnnxExport.Register<Tripler>((g, c) => g.Node("Mul", c.Layer.Name, [c.Input, g.Constant($"{c.Layer.Name}/three", [3f], [])]));
        using var model = new Sequential([new Input(4), new Tripler(name: "thrice"), new Dense(2)]);
        using var x = Tensor.RandomNormal(new Shape(2, 4), new Rng(1));
        using var dir = new TempDir();
        model.ExportOnnx(dir.File("m.onnx"));
        OrtRunner.AssertClose("registered", model.Predict(x), OrtRunner.Run(dir.File("m.onnx"), x).Values.Single());
    }

    [Fact]
    public void CustomActivationIsAnErrorNamingLayerAndActivation()
    {
        Activations.Register("cube_for_export_test", x => Engine.Autograd.Ops.Mul(x, Engine.Autograd.Ops.Mul(x, x)));
        using var model = new Sequential([new Input(4), new Dense(3, activation: "cube_for_export_test", name: "cubed")]);
        var e = Assert.Throws<OnnxExportException>(() => model.ToOnnx());
        Assert.Contains("Layer 'cubed' (Dense)", e.Message);
        Assert.Contains("'cube_for_export_test'", e.Message);
    }

    [Fact]
    public void UnbuiltModelIsAnError()
    {
        using var model = new Sequential([new Dense(3)]);
        var e = Assert.Throws<OnnxExportException>(() => model.ToOnnx());
        Assert.Contains("has not been built", e.Message);
    }

    [Fact]
    public void ExportReplacesAnExistingFileOnlyWhenComplete()
    {
        using var dir = new TempDir();
        var path = dir.File("m.onnx");
        File.WriteAllText(path, "old");
        using var bad = new Sequential([new Input(4), new Doubler()]);
        Assert.Throws<OnnxExportException>(() => bad.ExportOnnx(path));
        Assert.Equal("old", File.ReadAllText(path));
        using var good = ExportCases.All["flatten_dense"]();
        good.ExportOnnx(path);
        Assert.NotEqual("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    private sealed class Doubler(string? name = null) : Layer(name, null)
    {
        public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

        protected override Tensor Call(Tensor x, CallContext context) => Engine.Autograd.Ops.Affine(x, 2, 0);
    }

    private sealed class Tripler(string? name = null) : Layer(name, null)
    {
        public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

        protected override Tensor Call(Tensor x, CallContext context) => Engine.Autograd.Ops.Affine(x, 3, 0);
    }
}
