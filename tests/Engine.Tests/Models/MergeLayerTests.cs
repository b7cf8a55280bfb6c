using Engine.Layers;
using Engine.Models;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Tests.Models;

/// <summary>Keras's merge layers: values, shape rules with broadcasting, Keras-style errors, and
/// their configs.</summary>
public class MergeLayerTests
{
    private static Tensor T(double[] values, params int[] shape) => Tensor.FromArray(values.Select(v => (float)v).ToArray(), new Shape(shape));

    [Fact]
    public void ElementwiseMergesComputeKerasValuesWithBroadcasting()
    {
        var a = T([1, 2, 3, 4, 5, 6], 2, 3);          // per sample (3,)
        var b = T([10, -20], 2, 1);                  // per sample (1,): broadcast over the 3 features
        Assert.Equal([11, 12, 13, -16, -15, -14], new Add().Forward([a, b]).ToDoubleArray());
        Assert.Equal([-9, -8, -7, 24, 25, 26], new Subtract().Forward([a, b]).ToDoubleArray());
        Assert.Equal([10, 20, 30, -80, -100, -120], new Multiply().Forward([a, b]).ToDoubleArray());
        Assert.Equal([5.5, 6, 6.5, -8, -7.5, -7], new Average().Forward([a, b]).ToDoubleArray());
        Assert.Equal([10, 10, 10, 4, 5, 6], new Maximum().Forward([a, b]).ToDoubleArray());
        Assert.Equal([1, 2, 3, -20, -20, -20], new Minimum().Forward([a, b]).ToDoubleArray());
        Assert.Equal([3, 6, 9, 12, 15, 18], new Add().Forward([a, a, a]).ToDoubleArray());
        Assert.Equal([1, 2, 3, 10, 4, 5, 6, -20], new Concatenate().Forward([a, b]).ToDoubleArray());
    }

    [Fact]
    public void ShapeRulesFollowKeras()
    {
        Assert.Equal([4, 5], new Add().ComputeOutputShape([[4, 1], [1, 5]]));
        Assert.Equal([3, 4, 5], new Multiply().ComputeOutputShape([[3, 4, 5], [5]]));
        Assert.Equal([7, 8, 8], new Concatenate(axis: 1).ComputeOutputShape([[3, 8, 8], [4, 8, 8]]));
        Assert.Equal([3, 8, 9], new Concatenate().ComputeOutputShape([[3, 8, 4], [3, 8, 5]]));

        var add = Assert.Throws<ArgumentException>(() => new Add(name: "add").ComputeOutputShape([[4, 5], [3, 5]]));
        Assert.Contains("inputs have incompatible shapes. Received shapes (None, 4, 5) and (None, 3, 5)", add.Message);
        var sub = Assert.Throws<ArgumentException>(() => new Subtract().ComputeOutputShape([[2], [2], [2]]));
        Assert.Contains("A `Subtract` layer should be called on exactly 2 inputs", sub.Message);
        var concat = Assert.Throws<ArgumentException>(() => new Concatenate(axis: 1).ComputeOutputShape([[3, 8, 8], [4, 7, 8]]));
        Assert.Contains("requires inputs with matching shapes except for the concatenation axis", concat.Message);
        var batch = Assert.Throws<ArgumentException>(() => new Concatenate(axis: 0).ComputeOutputShape([[3], [3]]));
        Assert.Contains("axis 0 is the batch axis", batch.Message);
        var single = Assert.Throws<ArgumentException>(() => new Add().ComputeOutputShape([3, 4]));
        Assert.Contains("should be called on a list of inputs", single.Message);
    }

    [Fact]
    public void SingleInputLayersRefuseSeveralInputsByName()
    {
        var a = new Input(4);
        var b = new Input(4);
        var e = Assert.Throws<ArgumentException>(() => new Dense(2, name: "head").Apply(a, b));
        Assert.Contains("Layer \"head\" expects 1 input, but it received 2 input tensors", e.Message);
    }

    [Fact]
    public void EveryMergeLayerSurvivesAConfigRoundTrip()
    {
        var a = new Input([3, 4], name: "a");
        var b = new Input([1, 4], name: "b");
        var outputs = new Dictionary<string, SymbolicTensor>
        {
            ["add"] = new Add().Apply(a, b),
            ["sub"] = new Subtract().Apply(a, b),
            ["mul"] = new Multiply().Apply(a, b),
            ["avg"] = new Average().Apply(a, b, a),
            ["max"] = new Maximum().Apply(a, b),
            ["min"] = new Minimum().Apply(a, b),
            ["cat"] = new Concatenate(axis: 1).Apply(a, b),
        };
        using var model = new Model([a, b], outputs, name: "merges");
        var json = ModelConfig.ToJson(model);
        using var rebuilt = ModelConfig.FromJson(json);
        Assert.Equal(json.ToJsonString(), ModelConfig.ToJson(rebuilt).ToJsonString());
        Assert.Equal(["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"], rebuilt.Layers.Select(l => l.ClassName));
        Assert.Equal(1, ((Concatenate)rebuilt.GetLayer("concatenate")).Axis);

        var rng = new Rng(3);
        var xa = Tensor.RandomNormal(new Shape(2, 3, 4), rng);
        var xb = Tensor.RandomNormal(new Shape(2, 1, 4), rng);
        var before = model.ForwardAll([xa, xb]);
        var after = rebuilt.ForwardAll([xa, xb]);
        foreach (var name in outputs.Keys) Assert.Equal(before[name].ToDoubleArray(), after[name].ToDoubleArray());
        Assert.Equal([4, 4], rebuilt.OutputShapes["cat"]);
    }
}
