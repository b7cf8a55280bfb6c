using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Training;

/// <summary>The seed CNN of the user stories written with raw ops (no layers):
/// Conv2D(32,3x3,relu) → MaxPool(2) → Conv2D(64,3x3,relu) → MaxPool(2) → Conv2D(64,3x3,relu) →
/// Flatten → Dense(64,relu) → Dense(10), Glorot-uniform weights and zero biases as in Keras.</summary>
internal sealed class SeedCnnFromOps
{
    public SeedCnnFromOps(Rng rng, int channels = 1, int size = 28)
    {
        var s = size;
        s = (s - 2) / 2;
        s = (s - 2) / 2;
        s -= 2;
        Parameters =
        [
            Glorot(rng, [32, channels, 3, 3], channels * 9, 32 * 9), Tensor.Zeros(new Shape(32)),
            Glorot(rng, [64, 32, 3, 3], 32 * 9, 64 * 9), Tensor.Zeros(new Shape(64)),
            Glorot(rng, [64, 64, 3, 3], 64 * 9, 64 * 9), Tensor.Zeros(new Shape(64)),
            Glorot(rng, [64 * s * s, 64], 64 * s * s, 64), Tensor.Zeros(new Shape(64)),
            Glorot(rng, [64, 10], 64, 10), Tensor.Zeros(new Shape(10)),
        ];
        foreach (var p in Parameters) p.RequiresGrad = true;
    }

    public Tensor[] Parameters { get; }

    public int ParameterCount => Parameters.Sum(p => p.Size);

    private static Tensor Glorot(Rng rng, int[] shape, int fanIn, int fanOut)
    {
        var limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        return Tensor.RandomUniform(new Shape(shape), rng, -limit, limit);
    }

    public Tensor Logits(Tensor x)
    {
        var p = Parameters;
        var h = Ops.MaxPool2D(Ops.Relu(Ops.Conv2D(x, p[0], p[1])));
        h = Ops.MaxPool2D(Ops.Relu(Ops.Conv2D(h, p[2], p[3])));
        h = Ops.Relu(Ops.Conv2D(h, p[4], p[5]));
        h = Ops.Relu(Ops.Linear(Ops.Flatten(h), p[6], p[7]));
        return Ops.Linear(h, p[8], p[9]);
    }

    /// <summary>One plain SGD step on a batch; returns the loss.</summary>
    public double SgdStep(Tensor x, Tensor labels, double learningRate)
    {
        using var scope = new TensorScope();
        var loss = Ops.WeightedMean(Ops.SparseSoftmaxCrossEntropy(Logits(x), labels));
        loss.Backward();
        foreach (var p in Parameters)
        {
            p.Backend.Axpy(-learningRate, p.Grad!, p, p.Size);
            p.ZeroGrad();
        }
        return loss.Item();
    }

    public double Accuracy(Tensor x, Tensor labels)
    {
        using var scope = new TensorScope();
        using var _ = Tape.NoGrad();
        var logits = Logits(x).ToArray<float>();
        var y = labels.ToArray<int>();
        var correct = 0;
        for (var i = 0; i < y.Length; i++)
        {
            var row = logits.AsSpan(i * 10, 10);
            var best = 0;
            for (var j = 1; j < 10; j++) if (row[j] > row[best]) best = j;
            if (best == y[i]) correct++;
        }
        return (double)correct / y.Length;
    }
}
