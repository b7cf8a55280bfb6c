using Engine.Layers;
using Engine.Losses;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Tests.Models;

/// <summary>seeds/003: many labels, about two positive per sample. Plain binary cross-entropy learns to
/// predict all zeros (99% of the targets are 0); a positive weight fixes it.</summary>
public class MultiLabelTests
{
    private const int Labels = 1000, Features = 40;

    private static (Tensor X, Tensor Y) Tags(int n, ulong seed)
    {
        var rng = new Rng(seed);
        var prototypes = Tensor.RandomNormal(new Shape(Labels, Features), new Rng(77)).ToArray<float>();
        var x = new float[n * Features];
        var y = new float[n * Labels];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < 2; k++)
            {
                var label = rng.NextInt(Labels);
                y[i * Labels + label] = 1;
                for (var f = 0; f < Features; f++) x[i * Features + f] += prototypes[label * Features + f];
            }
            for (var f = 0; f < Features; f++) x[i * Features + f] += (float)rng.NextNormal();
        }
        return (Tensor.FromArray(x, new Shape(n, Features)), Tensor.FromArray(y, new Shape(n, Labels)));
    }

    /// <summary>(recall, predicted positives) on the training set after 5 epochs.</summary>
    private static (double Recall, int Predicted) Train(Loss loss, Tensor x, Tensor y)
    {
        using var model = new Sequential([new Input(Features), new Dense(64, activation: "relu"), new Dense(Labels, activation: "sigmoid")], seed: 2);
        model.Compile(optimizer: "adam", loss: loss);
        model.Fit(x, y, epochs: 5, batchSize: 32, verbose: 0);
        var p = model.Predict(x).ToFloatArray();
        var t = y.ToFloatArray();
        var found = t.Where((v, i) => v == 1 && p[i] >= 0.5).Count();
        return ((double)found / t.Count(v => v == 1), p.Count(v => v >= 0.5));
    }

    [Fact]
    public void PlainBinaryCrossentropyCollapsesAndPosWeightRecovers()
    {
        var (x, y) = Tags(512, 1);
        var t = y.ToFloatArray();
        var positives = t.Count(v => v == 1);
        var posWeight = (double)(t.Length - positives) / positives;      // the usual choice: negatives / positives

        var plain = Train(new BinaryCrossentropy(), x, y);
        var weighted = Train(new BinaryCrossentropy(posWeight: [posWeight]), x, y);
        Assert.True(plain.Recall == 0 && plain.Predicted < 10, $"without pos_weight: recall {plain.Recall:F3}, {plain.Predicted} positive predictions (expected the all-zeros collapse)");
        Assert.True(weighted.Recall > 0.8, $"with pos_weight {posWeight:F0}: recall {weighted.Recall:F3}");
    }
}
