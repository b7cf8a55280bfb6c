using System.Reflection;
using Engine.Data;
using Engine.Tensors;

namespace Engine.Onnx.Tests.Support;

/// <summary>The pretrained ResNet18 from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package
/// (restored by the test project; its folder is written into this assembly) and the test photos.</summary>
internal static class TestAssets
{
    public static string ResNet18Directory =>
        typeof(TestAssets).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ResNet18Directory").Value!;

    public static string ResNet18 => Require(Path.Combine(ResNet18Directory, "ResNet18Onnx", "ResNet18.onnx"));

    public static string ResNetPreprocess => Require(Path.Combine(ResNet18Directory, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));

    public static readonly string[] Photos = ["astronaut", "chelsea", "coffee"];

    /// <summary>A photo as [1, 3, 224, 224] RGB values 0..255, decoded by Engine.Data.</summary>
    public static Tensor Photo(string name) =>
        ImageLoader.Load(Path.Combine(AppContext.BaseDirectory, "Images", name + ".jpg"), imageSize: (224, 224));

    private static string Require(string path) => File.Exists(path) ? path
        : throw new FileNotFoundException($"'{path}' is missing: the test project restores Microsoft.ML.DnnImageFeaturizer.ResNet18 with PackageDownload (run dotnet restore).", path);
}
