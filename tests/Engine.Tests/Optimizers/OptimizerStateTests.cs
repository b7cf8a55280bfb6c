using System.Text.Json;
using Engine.Optimizers;
using Engine.Tensors;
using static Engine.Tests.Optimizers.OptimizerTestHelpers;

namespace Engine.Tests.Optimizers;

public class OptimizerStateTests
{
    private static readonly Func<Optimizer>[] Factories =
    [
        () => new Sgd(0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01),
        () => new Sgd(0.05, momentum: 0.8, dampening: 0.3),
        () => new Adam(0.01, amsgrad: true, weightDecay: 0.01) { ClipNorm = 0.5 },
        () => new AdamW(0.01) { Schedule = new CosineDecay(10, warmupSteps: 2, warmupTarget: 0.02) },
        () => new RmsProp(0.01, momentum: 0.5) { ClipValue = 0.3 },
    ];

    /// <summary>Float32 gradients that vary per step and parameter (deterministic).</summary>
    private static void Grads(Tensor[] ps, int step)
    {
        for (var k = 0; k < ps.Length; k++)
        {
            var g = new double[ps[k].Size];
            for (var i = 0; i < g.Length; i++) g[i] = Math.Sin(1.3 * step + 0.7 * i + k) * (1 + k);
            SetGrad(ps[k], g);
        }
    }

    private static Tensor[] Params() => [Parameter(DType.Float32, 0.5, -0.25, 1.5), Parameter(DType.Float32, 2.0, -1.0)];

    [Fact]
    public void Resumed_optimizer_continues_bitwise_identically()
    {
        foreach (var make in Factories)
        {
            using var straight = make();
            var a = Params();
            for (var s = 0; s < 5; s++) { Grads(a, s); straight.Step(a); }

            using var first = make();
            var b = Params();
            for (var s = 0; s < 3; s++) { Grads(b, s); first.Step(b); }
            var state = first.GetState(b);

            // A new optimizer and new parameter tensors, as after loading a checkpoint.
            using var resumed = make();
            var c = b.Select(p => { var q = Parameter(DType.Float32, p.ToDoubleArray()); return q; }).ToArray();
            resumed.SetState(c, state);
            Assert.Equal(3, resumed.Iterations);
            for (var s = 3; s < 5; s++) { Grads(c, s); resumed.Step(c); }

            for (var k = 0; k < a.Length; k++)
                Assert.Equal(a[k].ToArray<float>(), c[k].ToArray<float>());
        }
    }

    [Fact]
    public void State_uses_pytorch_buffer_names()
    {
        using var opt = new Adam(amsgrad: true);
        var p = Params();
        Grads(p, 0);
        opt.Step(p);
        var keys = opt.GetState(p).Keys.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["iterations", "learning_rate",
             "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq",
             "state.1.exp_avg", "state.1.exp_avg_sq", "state.1.max_exp_avg_sq"], keys);
    }

    [Fact]
    public void SetState_restores_the_base_learning_rate()
    {
        using var opt = new Sgd(0.1);
        opt.LearningRate = 0.02;
        var state = opt.GetState([]);
        using var other = new Sgd(0.1);
        other.SetState([], state);
        Assert.Equal(0.02, other.LearningRate);
    }

    [Fact]
    public void SetState_rejects_mismatched_state_clearly()
    {
        using var opt = new Adam();
        var p = Params();
        Grads(p, 0);
        opt.Step(p);
        var state = new Dictionary<string, Tensor>(opt.GetState(p));

        using var other = new Adam();
        var e = Assert.Throws<ArgumentException>(() => other.SetState([p[1], p[0]], state));
        Assert.Contains("shape", e.Message);
        e = Assert.Throws<ArgumentException>(() => other.SetState([p[0]], state));
        Assert.Contains("parameter 1", e.Message);
        state["state.0.momentum_buffer"] = Tensor.Zeros(new Shape(3));
        e = Assert.Throws<ArgumentException>(() => other.SetState(p, state));
        Assert.Contains("exp_avg", e.Message);
        Assert.Throws<ArgumentException>(() => other.SetState(p, new Dictionary<string, Tensor>()));
    }

    [Fact]
    public void Parameters_in_a_different_order_are_an_error()
    {
        using var opt = new Adam();
        var p = Params();
        Grads(p, 0);
        opt.Step(p);
        Array.Reverse(p);
        Grads(p, 1);
        var e = Assert.Throws<ArgumentException>(() => opt.Step(p));
        Assert.Contains("same order", e.Message);
    }

    [Fact]
    public void FromName_gives_keras_defaults_and_lists_valid_names()
    {
        Assert.IsType<Sgd>(Optimizer.FromName("sgd"));
        Assert.Equal(0.01, Optimizer.FromName("SGD").LearningRate);
        Assert.Equal(0.001, Optimizer.FromName("adam").LearningRate);
        Assert.IsType<AdamW>(Optimizer.FromName("adamw"));
        Assert.Equal(0.001, Optimizer.FromName("rmsprop").LearningRate);
        Assert.Equal(0.3, Optimizer.FromName("adam", 0.3).LearningRate);
        var e = Assert.Throws<ArgumentException>(() => Optimizer.FromName("adagrad"));
        Assert.Contains("'adagrad'", e.Message);
        Assert.Contains("sgd, adam, adamw, rmsprop", e.Message);
    }

    [Fact]
    public void Config_round_trips_in_memory_and_through_json()
    {
        foreach (var make in Factories)
        {
            var opt = make();
            var config = opt.GetConfig();
            var json = ToJson(config);
            var fromJson = JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
            foreach (var back in new[] { Optimizer.FromConfig(config), Optimizer.FromConfig(fromJson) })
            {
                Assert.Equal(opt.GetType(), back.GetType());
                Assert.Equal(json, ToJson(back.GetConfig()));
            }
        }
    }

    [Fact]
    public void FromConfig_names_the_bad_entry()
    {
        var e = Assert.Throws<ArgumentException>(() => Optimizer.FromConfig(new Dictionary<string, object?> { ["name"] = "adam", ["learning_rate"] = "fast" }));
        Assert.Contains("'learning_rate'", e.Message);
    }

    private static string ToJson(Dictionary<string, object?> config)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) Write(w, config);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Write(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case Dictionary<string, object?> d:
                w.WriteStartObject();
                foreach (var (k, x) in d.OrderBy(p => p.Key, StringComparer.Ordinal)) { w.WritePropertyName(k); Write(w, x); }
                w.WriteEndObject();
                break;
            default: throw new NotSupportedException(v.GetType().Name);
        }
    }
}
