using Google.Protobuf;
using Onnx;
using Engine.Onnx.Tests.Support;

namespace Engine.Onnx.Tests.Import;

/// <summary>Files the importer must refuse, each with a message naming what was wrong.</summary>
public sealed class ImportErrorTests
{
    private static ModelProto Exported() => ExportCases.All["two_heads"]().ToOnnx();

    private static OnnxImportException Refused(ModelProto proto) =>
        Assert.Throws<OnnxImportException>(() => OnnxModel.Load(proto.ToByteArray()));

    [Fact]
    public void UnsupportedOpNamesOpNodeAndOpset()
    {
        var proto = Exported();
        var relu = proto.Graph.Node.First(n => n.OpType == "Relu");
        relu.OpType = "Erf";
        var e = Refused(proto);
        Assert.Contains("ONNX op 'Erf'", e.Message);
        Assert.Contains($"node '{relu.Name}'", e.Message);
        Assert.Contains("opset 13", e.Message);
    }

    [Theory]
    [InlineData(22, "newer than the newest")]
    [InlineData(6, "older than the oldest")]
    public void OpsetOutsideSevenToTwentyOneIsRefused(int opset, string expected)
    {
        var proto = Exported();
        proto.OpsetImport[0].Version = opset;
        var e = Refused(proto);
        Assert.Contains($"opset {opset}", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MissingExternalDataNamesTheFile()
    {
        var proto = Exported();
        var w = proto.Graph.Initializer.First(t => t.Name == "trunk_conv/kernel");
        w.RawData = ByteString.Empty;
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("m.onnx"), proto.ToByteArray());
        var e = Assert.Throws<OnnxImportException>(() => OnnxModel.Load(dir.File("m.onnx")));
        Assert.Contains("weights.bin", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void ExternalDataBesideTheFileIsRead()
    {
        var proto = Exported();
        var w = proto.Graph.Initializer.First(t => t.Name == "trunk_conv/kernel");
        using var dir = new TempDir();
        var bytes = w.RawData.ToByteArray();
        File.WriteAllBytes(dir.File("weights.bin"), [1, 2, 3, .. bytes]);
        w.RawData = ByteString.Empty;
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "3" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString() });
        File.WriteAllBytes(dir.File("m.onnx"), proto.ToByteArray());
        using var model = OnnxModel.Load(dir.File("m.onnx"));
        var kernel = model.GetLayer("trunk_conv_conv").Weights[0].Value.ToFloatArray();
        Assert.Equal(bytes, kernel.SelectMany(BitConverter.GetBytes).ToArray());
    }

    [Fact]
    public void WeightOfTheWrongSizeIsRefused()
    {
        var proto = Exported();
        var w = proto.Graph.Initializer.First(t => t.Name == "trunk_conv/kernel");
        w.RawData = ByteString.CopyFrom(w.RawData.Span[..^4]);
        var e = Refused(proto);
        Assert.Contains("trunk_conv/kernel", e.Message);
    }

    [Fact]
    public void NotAnOnnxFile()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("m.onnx"), "this is not a model");
        var e = Assert.Throws<OnnxImportException>(() => OnnxModel.Load(dir.File("m.onnx")));
        Assert.Contains("m.onnx", e.Message);
        Assert.Throws<FileNotFoundException>(() => OnnxModel.Load(dir.File("missing.onnx")));
    }
}

/// <summary>The same graph declared under each opset in common use imports to the same model (the
/// ops of the seed CNN read the same in all of them; Softmax carries an explicit last axis).</summary>
public sealed class ImportOpsetTests
{
    [Theory]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(21)]
    public void SeedCnnImportsUnderEveryOpset(int opset)
    {
        using var model = ExportCases.All["seed_cnn"]();
        var proto = model.ToOnnx();
        proto.OpsetImport[0].Version = opset;
        using var imported = OnnxModel.Load(proto.ToByteArray());
        using var x = ExportCases.InputFor("seed_cnn", model);
        var y = imported.Predict(x);
        OrtRunner.AssertClose($"opset {opset}", model.Predict(x), (y.ToFloatArray(), y.Shape.ToArray()));
    }
}
