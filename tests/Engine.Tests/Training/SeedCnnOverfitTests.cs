using Engine.Tensors;

namespace Engine.Tests.Training;

public class SeedCnnOverfitTests(ITestOutputHelper output)
{
    /// <summary>64 synthetic 28x28 digits-like images: each class is a fixed random stroke template,
    /// each sample that template shifted by up to 2 pixels plus noise.</summary>
    internal static (Tensor X, Tensor Y) SyntheticBatch(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var templates = new float[10][];
        for (var c = 0; c < 10; c++)
        {
            templates[c] = new float[28 * 28];
            for (var k = 0; k < 60; k++) templates[c][(4 + rng.NextInt(20)) * 28 + 4 + rng.NextInt(20)] = 1f;
        }
        var x = new float[count * 28 * 28];
        var y = new int[count];
        for (var i = 0; i < count; i++)
        {
            y[i] = i % 10;
            var (dy, dx) = (rng.NextInt(5) - 2, rng.NextInt(5) - 2);
            for (var r = 0; r < 28; r++)
                for (var c = 0; c < 28; c++)
                {
                    var (sr, sc) = (r - dy, c - dx);
                    var v = sr is >= 0 and < 28 && sc is >= 0 and < 28 ? templates[y[i]][sr * 28 + sc] : 0f;
                    x[i * 784 + r * 28 + c] = v + 0.1f * (float)rng.NextDouble();
                }
        }
        return (Tensor.FromArray(x, count, 1, 28, 28), Tensor.FromArray(y, count));
    }

    [Fact]
    public void SeedCnnHas93322Parameters() => Assert.Equal(93_322, new SeedCnnFromOps(new Rng(1)).ParameterCount);

    [Fact]
    public void PlainSgdOverfits64Samples()
    {
        var (x, y) = SyntheticBatch(64, seed: 3);
        var net = new SeedCnnFromOps(new Rng(11));
        const double learningRate = 0.1;
        var first = net.SgdStep(x, y, learningRate);
        double last = first;
        var steps = 1;
        for (; steps < 150 && net.Accuracy(x, y) < 1.0; steps++)
            last = net.SgdStep(x, y, learningRate);
        var accuracy = net.Accuracy(x, y);
        output.WriteLine($"{steps} SGD steps: loss {first:F4} -> {last:F4}, accuracy {accuracy:P1}");
        Assert.True(last < first * 0.75, $"loss should fall well below its start: {first} -> {last}");
        Assert.True(accuracy > 0.95, $"expected > 95% accuracy on the 64 training samples, got {accuracy:P1}");
    }
}
