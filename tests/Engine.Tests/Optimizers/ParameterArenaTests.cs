using Engine.Backends;
using Engine.Layers;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;
using Engine.Tests.Cuda;

namespace Engine.Tests.Optimizers;

public class ParameterArenaTests
{
    private static readonly Func<Optimizer>[] Factories =
    [
        () => new Sgd(0.05),
        () => new Sgd(0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01),
        () => new Sgd(0.05, momentum: 0.8, dampening: 0.3) { ClipValue = 0.4 },
        () => new Adam(0.01, amsgrad: true, weightDecay: 0.01) { ClipNorm = 0.5 },
        () => new AdamW(0.01, weightDecay: 0.05) { Schedule = new CosineDecay(10, warmupSteps: 2, warmupTarget: 0.02) },
        () => new RmsProp(0.01, momentum: 0.5) { ClipNorm = 2 },
        () => new RmsProp(0.01, weightDecay: 0.1),
    ];

    // Odd sizes, so every parameter but the first starts after a padding gap.
    private static Tensor[] Params(DType dtype, Device? device = null)
    {
        var rng = new Rng(5);
        Shape[] shapes = [new(3, 5), new(7), new(2, 3, 3, 3), new(1)];
        return shapes.Select(s =>
        {
            var t = Tensor.RandomNormal(s, rng, dtype: dtype, device: device);
            t.RequiresGrad = true;
            return t;
        }).ToArray();
    }

    private static double[] Gradient(Tensor p, int k, int step)
    {
        var g = new double[p.Size];
        for (var i = 0; i < g.Length; i++) g[i] = Math.Sin(1.3 * step + 0.7 * i + k) * (1 + k);
        return g;
    }

    /// <summary>Writes the step's gradients into whatever buffer each parameter has (its arena view, or a fresh tensor).</summary>
    private static void SetGrads(Tensor[] ps, int step)
    {
        for (var k = 0; k < ps.Length; k++)
        {
            using var g = Tensor.FromHost(ps[k].Shape, ps[k].DType, ps[k].Device, i => Gradient(ps[k], k, step)[i]);
            if (ps[k].Grad is { } existing) existing.Backend.Copy(g, existing, g.Size);
            else ps[k].Grad = g.Detach();
        }
    }

    [Fact]
    public void Gather_moves_parameters_into_one_aligned_buffer_and_attaches_zero_gradients()
    {
        var ps = Params(DType.Float32);
        var before = ps.Select(p => p.ToFloatArray()).ToArray();
        using var arena = ParameterArena.Gather(ps)!;

        Assert.Equal(64 * 3 + 64, arena.Length);   // 15, 7, 54, 1 elements, each padded to 64
        for (var i = 0; i < ps.Length; i++)
        {
            Assert.Same(arena.Values.Storage, ps[i].Storage);
            Assert.Equal(0, arena.OffsetOf(i) % ParameterArena.Alignment);
            Assert.Equal(before[i], ps[i].ToFloatArray());
            Assert.Same(arena.Gradients.Storage, ps[i].Grad!.Storage);
            Assert.All(ps[i].Grad!.ToFloatArray(), v => Assert.Equal(0f, v));
        }
        // The gaps hold zeros.
        var flat = arena.Values.ToFloatArray();
        Assert.All(flat.AsSpan(15, 49).ToArray(), v => Assert.Equal(0f, v));
        Assert.Same(arena, ParameterArena.Of(ps));
    }

    [Fact]
    public void Only_the_exact_list_with_its_gradients_attached_selects_the_arena()
    {
        var ps = Params(DType.Float32);
        using var arena = ParameterArena.Gather(ps)!;
        Assert.Null(ParameterArena.Of(ps[..3]));
        Assert.Null(ParameterArena.Of([ps[1], ps[0], ps[2], ps[3]]));
        ps[2].ZeroGrad();   // dropped gradient: no one-launch path until it is re-attached
        Assert.Null(ParameterArena.Of(ps));
        Assert.True(arena.Holds(ps));
        arena.AttachGradients();
        Assert.Same(arena, ParameterArena.Of(ps));
    }

    [Fact]
    public void AttachGradients_keeps_a_gradient_computed_outside_the_arena()
    {
        var ps = Params(DType.Float64);
        using var arena = ParameterArena.Gather(ps)!;
        ps[1].ZeroGrad();
        ps[1].Grad = Tensor.FromArray(Enumerable.Range(1, 7).Select(v => (double)v).ToArray());
        arena.AttachGradients();
        Assert.Same(arena.Gradients.Storage, ps[1].Grad!.Storage);
        Assert.Equal([1.0, 2, 3, 4, 5, 6, 7], ps[1].Grad!.ToDoubleArray());
    }

    [Fact]
    public void ZeroGradients_clears_every_gradient_with_the_buffers_kept()
    {
        var ps = Params(DType.Float32);
        using var arena = ParameterArena.Gather(ps)!;
        SetGrads(ps, 1);
        var views = ps.Select(p => p.Grad).ToArray();
        ps[3].ZeroGrad();
        arena.ZeroGradients();
        for (var i = 0; i < ps.Length; i++)
        {
            Assert.All(ps[i].Grad!.ToFloatArray(), v => Assert.Equal(0f, v));
            if (i != 3) Assert.Same(views[i], ps[i].Grad);
        }
        Assert.Same(arena, ParameterArena.Of(ps));
    }

    /// <summary>The one-launch update over the arena is the per-parameter update, element for element
    /// (float64; clipping by norm sums in another order, hence the tolerance).</summary>
    [Fact]
    public void One_launch_update_matches_the_per_parameter_update_for_every_optimizer()
    {
        for (var f = 0; f < Factories.Length; f++)
        {
            using var separate = Factories[f]();
            using var fused = Factories[f]();
            var a = Params(DType.Float64);
            var b = Params(DType.Float64);
            using var arena = ParameterArena.Gather(b)!;
            for (var s = 0; s < 6; s++)
            {
                foreach (var p in a) p.ZeroGrad();
                SetGrads(a, s);
                SetGrads(b, s);
                separate.Step(a);
                fused.Step(b);
                arena.ZeroGradients();
            }
            for (var i = 0; i < a.Length; i++)
                TestData.AssertClose(a[i].ToDoubleArray(), b[i].ToDoubleArray(), atol: 1e-12, rtol: 1e-12, what: $"{fused.Name} (optimizer {f}), parameter {i}");
            Assert.All(arena.Values.ToDoubleArray().Where((_, j) => j is >= 15 and < 64), v => Assert.Equal(0.0, v));
        }
    }

    /// <summary>State made one parameter at a time (or restored from a checkpoint) is gathered into
    /// the arena; state saved after one-launch steps is per parameter, and resumes bitwise.</summary>
    [Fact]
    public void Optimizer_state_moves_between_per_parameter_and_arena_layouts()
    {
        foreach (var make in Factories)
        {
            using var reference = make();
            var a = Params(DType.Float32);
            for (var s = 0; s < 6; s++) { foreach (var p in a) p.ZeroGrad(); SetGrads(a, s); reference.Step(a); }

            using var mixed = make();
            var b = Params(DType.Float32);
            for (var s = 0; s < 3; s++) { foreach (var p in b) p.ZeroGrad(); SetGrads(b, s); mixed.Step(b); }
            foreach (var p in b) p.ZeroGrad();
            using var arena = ParameterArena.Gather(b)!;
            for (var s = 3; s < 5; s++) { SetGrads(b, s); mixed.Step(b); arena.ZeroGradients(); }

            var state = mixed.GetState(b);
            using var resumed = make();
            resumed.SetState(b, state);
            SetGrads(b, 5);
            resumed.Step(b);

            for (var i = 0; i < a.Length; i++)
                TestData.AssertClose(a[i].ToDoubleArray(), b[i].ToDoubleArray(), atol: 1e-6, rtol: 1e-5, what: $"{reference.Name}, parameter {i}");
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [Fact]
    public void Model_training_keeps_the_trainable_weights_in_one_arena()
    {
        var model = new Sequential([new Input(6), new Dense(5, activation: "relu"), new Dense(3)], seed: 3);
        model.Layers[0].Trainable = false;
        model.Compile(new Adam(0.01), "sparse_categorical_crossentropy");
        var x = Tensor.RandomNormal(new Shape(8, 6), new Rng(1));
        var y = Tensor.FromArray(new[] { 0, 1, 2, 0, 1, 2, 0, 1 });
        var frozen = model.Layers[0].Weights[0].Value.ToFloatArray();
        model.TrainOnBatch(x, y);
        model.TrainOnBatch(x, y);

        var trainable = model.TrainableWeights;
        Assert.Equal(2, trainable.Count);
        var arena = ParameterArena.Of(trainable);
        Assert.NotNull(arena);
        Assert.All(trainable, p => Assert.All(p.Grad!.ToFloatArray(), v => Assert.Equal(0f, v)));
        Assert.NotSame(arena!.Values.Storage, model.Layers[0].Weights[0].Value.Storage);
        Assert.Equal(frozen, model.Layers[0].Weights[0].Value.ToFloatArray());

        // Unfreezing changes the trainable set: the next step gathers a new arena over all four.
        model.Layers[0].Trainable = true;
        model.Compile(new Adam(0.01), "sparse_categorical_crossentropy");
        model.TrainOnBatch(x, y);
        Assert.NotNull(ParameterArena.Of(model.TrainableWeights));
        Assert.Equal(4, model.TrainableWeights.Count);
        Assert.NotEqual(frozen, model.Layers[0].Weights[0].Value.ToFloatArray());
    }

    /// <summary>On a GPU the arena is the point: one launch zeroes the gradients and one updates every
    /// parameter (stand-in device; the kernels are checked against their PTX signatures).</summary>
    [Fact]
    public void On_a_cuda_device_the_step_is_one_launch_and_views_address_their_region()
    {
        CudaTestSupport.RequireNvrtc();
        var queue = new CheckingQueue(index: 11);   // a device index of its own: it stays registered
        var gpu = new CudaBackend(queue);
        BackendRegistry.Register(gpu);
        var ps = Params(DType.Float32).Select(p =>
        {
            var t = CudaTestSupport.ToBackend(p, gpu);
            t.RequiresGrad = true;
            return t;
        }).ToArray();
        var values = ps.Select(p => p.ToFloatArray()).ToArray();
        using var arena = ParameterArena.Gather(ps)!;
        for (var i = 0; i < ps.Length; i++) Assert.Equal(values[i], ps[i].ToFloatArray());

        using var adam = new Adam(0.01) { ClipNorm = 1 };
        queue.Launches.Clear();
        adam.Step(ps);
        Assert.Equal(["squared_norm_accumulate", "scale_to_max_norm", "adam_step"], queue.Launches.Select(l => l.Kernel));
        Assert.Equal(3, queue.Launches.Count);

        // A kernel launched on one parameter gets the address of its region.
        queue.Launches.Clear();
        ps[2].Backend.Fill(ps[2], 2.5, ps[2].Size);
        Assert.Equal(values[1], ps[1].ToFloatArray());
        Assert.All(ps[2].ToFloatArray(), v => Assert.Equal(2.5f, v));
        Assert.Equal(values[3], ps[3].ToFloatArray());
    }
}
