using Engine.Layers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Tests.Models;

/// <summary>The model-level fusion of BN/Add → ReLU stays out of graphs where someone would see the value it
/// never stores: a batch norm whose output is also a model output, one with a second consumer, and a ReLU
/// that is not the plain one (max_value). A wrong fusion there would hand the ReLU'd (or unclipped) value on,
/// so each graph's outputs must equal the unfused graph's, bit for bit (inference: the fused kernel is
/// bitwise the composite anyway).</summary>
public class ReluFusionTests
{
    private static Dictionary<string, float[]> Outputs(Func<Input, Dictionary<string, SymbolicTensor>> build, bool fusion)
    {
        var previous = ReluFusion.Enabled;
        ReluFusion.Enabled = fusion;
        try
        {
            var input = new Input([3, 5, 5]);
            using var model = new Model(input, build(input), seed: 3);
            using var x = Tensor.RandomNormal(new Shape(2, 3, 5, 5), new Rng(5));
            using var scaled = Engine.Autograd.Ops.MulScalar(x, 10);
            return model.ForwardAll(scaled).ToDictionary(kv => kv.Key, kv => kv.Value.ToFloatArray());
        }
        finally { ReluFusion.Enabled = previous; }
    }

    private static void AssertSameWithAndWithoutFusion(Func<Input, Dictionary<string, SymbolicTensor>> build, Action<Dictionary<string, float[]>> check)
    {
        var (on, off) = (Outputs(build, true), Outputs(build, false));
        Assert.Equal(off.Keys.Order(), on.Keys.Order());
        foreach (var k in off.Keys) Assert.Equal(off[k], on[k]);
        check(on);
    }

    [Fact]
    public void BatchNormOutputThatIsAlsoAModelOutputIsNotFused() =>
        AssertSameWithAndWithoutFusion(input =>
        {
            var bn = new BatchNormalization(name: "bn").Apply(input);
            return new() { ["bn"] = bn, ["relu"] = new Activation("relu", name: "relu").Apply(bn) };
        }, o => Assert.Contains(o["bn"], v => v < 0));

    [Fact]
    public void BatchNormWithASecondConsumerIsNotFused() =>
        AssertSameWithAndWithoutFusion(input =>
        {
            var bn = new BatchNormalization(name: "bn").Apply(input);
            var relu = new Activation("relu", name: "relu").Apply(bn);
            return new() { ["sum"] = new Add(name: "add").Apply(bn, relu) };
        }, o => Assert.Contains(o["sum"], v => v < 0));

    [Fact]
    public void ClippedReluIsNotFused() =>
        AssertSameWithAndWithoutFusion(input =>
        {
            var bn = new BatchNormalization(name: "bn").Apply(input);
            return new() { ["relu6"] = new ReLU(maxValue: 6, name: "relu6").Apply(bn) };
        }, o => Assert.Contains(o["relu6"], v => v == 6));

    [Fact]
    public void PlainPairIsFusedAndGivesTheSameValues() =>
        AssertSameWithAndWithoutFusion(input =>
        {
            var bn = new BatchNormalization(name: "bn").Apply(input);
            var h = new ReLU(name: "relu").Apply(bn);
            return new() { ["out"] = new Activation("relu", name: "join_relu").Apply(new Add(name: "add").Apply(h, input)) };
        }, o => Assert.Contains(o["out"], v => v == 0));
}
