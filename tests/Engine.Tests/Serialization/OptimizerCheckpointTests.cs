using Engine.Optimizers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Tests.Serialization;

/// <summary>Optimizer state saved to a safetensors file and loaded into a fresh optimizer continues
/// the run bitwise identically (float32, CPU).</summary>
public class OptimizerCheckpointTests
{
    private static Tensor[] Params(Rng rng) =>
    [
        Trainable(Tensor.RandomNormal(new Shape(3, 5), rng)),
        Trainable(Tensor.RandomNormal(new Shape(5), rng)),
    ];

    private static Tensor Trainable(Tensor t)
    {
        t.RequiresGrad = true;
        return t;
    }

    private static void Step(Optimizer opt, Tensor[] ps, int step)
    {
        var rng = new Rng((ulong)(1000 + step));
        foreach (var p in ps)
        {
            p.ZeroGrad();
            p.Grad = Tensor.RandomNormal(p.Shape, rng);
        }
        opt.Step(ps);
    }

    [Fact]
    public void Saved_and_loaded_state_resumes_bitwise()
    {
        Func<Optimizer> make = () => new AdamW(0.01, amsgrad: true) { ClipNorm = 1.0, Schedule = new CosineDecay(20, warmupSteps: 3, warmupTarget: 0.05) };
        using var straight = make();
        var a = Params(new Rng(7));
        for (var s = 0; s < 8; s++) Step(straight, a, s);

        using var interrupted = make();
        var b = Params(new Rng(7));
        for (var s = 0; s < 4; s++) Step(interrupted, b, s);
        var path = SafetensorsTests.TempFile();
        var weights = new Dictionary<string, Tensor> { ["w0"] = b[0], ["w1"] = b[1] };
        Safetensors.Save(path, weights);
        Safetensors.Save(path + ".optimizer", interrupted.GetState(b), new Dictionary<string, string> { ["optimizer"] = interrupted.Name });

        var (loadedWeights, _) = Safetensors.Load(path);
        var c = new[] { Trainable(loadedWeights["w0"]), Trainable(loadedWeights["w1"]) };
        using var resumed = make();
        var (state, meta) = Safetensors.Load(path + ".optimizer");
        Assert.Equal("adamw", meta["optimizer"]);
        resumed.SetState(c, state);
        for (var s = 4; s < 8; s++) Step(resumed, c, s);

        for (var k = 0; k < a.Length; k++)
            Assert.Equal(a[k].ToArray<float>(), c[k].ToArray<float>());
    }
}
