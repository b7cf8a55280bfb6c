using Engine.Autograd;
using Engine.Layers;
using Engine.Models;
using Engine.Optimizers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Tests.Models;

/// <summary>Functional graphs of any shape: several inputs and outputs, branches and joins, shared
/// layers, execution in topological order, backward through all of it, Summary's "Connected to".</summary>
public class FunctionalGraphTests
{
    [Fact]
    public void SeveralInputsAndOutputsRunInTopologicalOrder()
    {
        var image = new Input([8], name: "image");
        var meta = new Input([3], name: "meta");
        var h = new Dense(5, activation: "relu", name: "h").Apply(image);
        var m = new Dense(5, name: "m").Apply(meta);
        var joined = new Concatenate(name: "joined").Apply(h, m);
        var sum = new Add(name: "sum").Apply(h, m);
        // Outputs given in an order unrelated to the order the tensors were made.
        using var model = new Model([image, meta], [new Dense(2, name: "b").Apply(sum), new Dense(4, name: "a").Apply(joined)]);
        Assert.Equal(["b", "a"], model.OutputNames);
        Assert.Equal([10], model.GetLayer("a").BuiltInputShape!);

        var rng = new Rng(1);
        var (xi, xm) = (Tensor.RandomNormal(new Shape(3, 8), rng), Tensor.RandomNormal(new Shape(3, 3), rng));
        var outputs = model.ForwardAll([xi, xm]);
        Assert.Equal(new Shape(3, 2), outputs["b"].Shape);
        Assert.Equal(new Shape(3, 4), outputs["a"].Shape);

        // The same numbers by hand, layer by layer.
        var hv = model.GetLayer("h").Forward(xi);
        var mv = model.GetLayer("m").Forward(xm);
        var expected = model.GetLayer("a").Forward(Ops.Concatenate([hv, mv], 1));
        TestData.AssertClose(expected.ToDoubleArray(), outputs["a"].ToDoubleArray(), 1e-6, 1e-6, "output a");

        var e = Assert.Throws<ArgumentException>(() => model.ForwardAll([xi]));
        Assert.Contains("expects 2 input(s) (image, meta), but it received 1 input tensors", e.Message);
    }

    [Fact]
    public void ASharedLayerHasOneSetOfWeightsAndSumsItsGradients()
    {
        var a = new Input([4], name: "a");
        var b = new Input([4], name: "b");
        var shared = new Dense(3, name: "shared");
        var output = new Add().Apply(shared.Apply(a), shared.Apply(b));
        using var model = new Model([a, b], output, dtype: DType.Float64, name: "siamese");
        Assert.Equal(15, model.CountParams());
        Assert.Single(model.Layers, l => l is Dense);

        var rng = new Rng(2);
        var xa = Tensor.RandomNormal(new Shape(5, 4), rng, dtype: DType.Float64);
        var xb = Tensor.RandomNormal(new Shape(5, 4), rng, dtype: DType.Float64);
        Ops.Sum(model.Forward([xa, xb])).Backward();
        // d/dW Σ (xa W + b + xb W + b) = (Σ_rows xa + Σ_rows xb) for every unit; d/db = 2N.
        var kernelGrad = shared.Kernel!.Value.Grad!.ToDoubleArray();
        var (ha, hb) = (xa.ToDoubleArray(), xb.ToDoubleArray());
        for (var f = 0; f < 4; f++)
        {
            var colSum = Enumerable.Range(0, 5).Sum(r => ha[r * 4 + f] + hb[r * 4 + f]);
            for (var u = 0; u < 3; u++) Assert.Equal(colSum, kernelGrad[f * 3 + u], 10);
        }
        Assert.All(shared.Bias!.Value.Grad!.ToDoubleArray(), g => Assert.Equal(10.0, g, 10));
    }

    [Fact]
    public void SummaryHasKerasConnectedToColumn()
    {
        var input = new Input([6], name: "x");
        var shared = new Dense(6, name: "shared");
        var first = shared.Apply(input);
        var second = shared.Apply(first);
        var sum = new Add(name: "residual").Apply(first, second, input);
        using var model = new Model(input, new Dense(2, name: "out").Apply(sum));
        var text = model.GetSummary();
        var lines = text.Split('\n');
        Assert.Contains(lines, l => l.StartsWith(" x (InputLayer)") && l.TrimEnd().EndsWith("-"));
        Assert.Contains(lines, l => l.StartsWith(" shared (Dense)") && l.Contains("42") && l.Contains("x[0][0],"));
        Assert.Contains(lines, l => l.Trim() == "shared[0][0]");   // the shared layer's second application reads its first
        Assert.Contains(lines, l => l.StartsWith(" residual (Add)") && l.Contains("shared[0][0],"));
        Assert.Contains(lines, l => l.Trim() == "shared[1][0],");
        Assert.Contains(lines, l => l.StartsWith(" out (Dense)") && l.Contains("residual[0][0]"));
        Assert.Contains("Total params: 56", text);
    }

    [Fact]
    public void AGraphConfigRoundTripKeepsBranchesAndSharing()
    {
        var a = new Input([4], name: "a");
        var b = new Input([4], name: "b");
        var shared = new Dense(3, activation: "tanh", name: "shared");
        var joined = new Concatenate().Apply(shared.Apply(a), shared.Apply(b), new Subtract().Apply(a, b));
        using var model = new Model([a, b], new Dense(2).Apply(joined), name: "graph", seed: 9);
        var path = Path.Combine(Directory.CreateTempSubdirectory("engine-graph-").FullName, "graph.safetensors");
        try
        {
            model.Save(path);
            using var loaded = Model.Load(path);
            Assert.Equal(ModelConfig.ToJson(model).ToJsonString(), ModelConfig.ToJson(loaded).ToJsonString());
            Assert.Equal(2, loaded.Inputs.Count);
            var rng = new Rng(4);
            var xs = new[] { Tensor.RandomNormal(new Shape(3, 4), rng), Tensor.RandomNormal(new Shape(3, 4), rng) };
            Assert.Equal(model.Predict(xs).ToDoubleArray(), loaded.Predict(xs).ToDoubleArray());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void ATwoInputModelTrainsWithFit()
    {
        // Target: which of the two inputs has the larger sum; needs both inputs.
        var rng = new Rng(11);
        const int n = 256;
        var xa = Tensor.RandomNormal(new Shape(n, 6), rng);
        var xb = Tensor.RandomNormal(new Shape(n, 6), rng);
        var (ha, hb) = (xa.ToDoubleArray(), xb.ToDoubleArray());
        var y = Tensor.FromArray(Enumerable.Range(0, n).Select(i => ha.Skip(i * 6).Take(6).Sum() > hb.Skip(i * 6).Take(6).Sum() ? 1 : 0).ToArray());
        var a = new Input([6], name: "a");
        var b = new Input([6], name: "b");
        var h = new Dense(8, activation: "relu").Apply(new Concatenate().Apply(a, b));
        using var model = new Model([a, b], new Dense(2, activation: "softmax", name: "cls").Apply(h));
        model.Compile(optimizer: new Adam(0.02), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var history = model.Fit([xa, xb], new Dictionary<string, Tensor> { ["cls"] = y }, epochs: 15, batchSize: 32, verbose: 0, validationSplit: 0.25);
        Assert.True(history["accuracy"][^1] >= 0.9, $"train accuracy {history["accuracy"][^1]:F3}; expected >= 0.9");
        Assert.True(history["val_accuracy"][^1] >= 0.85, $"validation accuracy {history["val_accuracy"][^1]:F3}; expected >= 0.85");
        var eval = model.Evaluate([xa, xb], new Dictionary<string, Tensor> { ["cls"] = y });
        Assert.True(eval["accuracy"] >= 0.85);
    }
}
