using Engine.Optimizers;
using Engine.Tensors;
using static Engine.Tests.Optimizers.OptimizerTestHelpers;

namespace Engine.Tests.Optimizers;

public class ClippingTests
{
    [Fact]
    public void ClipNorm_scales_all_gradients_by_their_global_norm()
    {
        // ‖[3, 0, 0, 4]‖ = 5 over both parameters; coef = 1/(5 + 1e-6) (torch clip_grad_norm_), lr 1.
        using var opt = new Sgd(1.0) { ClipNorm = 1.0 };
        var a = Parameter(0.0, 0.0);
        var b = Parameter(0.0, 0.0);
        SetGrad(a, 3.0, 0.0);
        SetGrad(b, 0.0, 4.0);
        opt.Step([a, b]);
        var c = 1 / (5 + 1e-6);
        TestData.AssertClose([3 * c, 0], a.Grad!.ToDoubleArray(), 1e-15, 1e-15, "clipped grad a");
        TestData.AssertClose([0, 4 * c], b.Grad!.ToDoubleArray(), 1e-15, 1e-15, "clipped grad b");
        TestData.AssertClose([-3 * c, 0], a.ToDoubleArray(), 1e-15, 1e-15, "a");
        TestData.AssertClose([0, -4 * c], b.ToDoubleArray(), 1e-15, 1e-15, "b");
    }

    [Fact]
    public void ClipNorm_leaves_small_gradients_alone()
    {
        using var opt = new Sgd(1.0) { ClipNorm = 10.0 };
        var a = Parameter(DType.Float32, 0.0, 0.0);
        SetGrad(a, 3.0, 4.0);
        opt.Step([a]);
        Assert.Equal([3f, 4f], a.Grad!.ToArray<float>()); // coef = min(1, 10/5.000001) = 1
    }

    [Fact]
    public void ClipValue_clamps_each_element()
    {
        using var opt = new Sgd(1.0) { ClipValue = 0.5 };
        var a = Parameter(0.0, 0.0, 0.0, 0.0);
        SetGrad(a, 1.0, -2.0, 0.3, -0.5);
        opt.Step([a]);
        Assert.Equal([0.5, -0.5, 0.3, -0.5], a.Grad!.ToDoubleArray());
        Assert.Equal([-0.5, 0.5, -0.3, 0.5], a.ToDoubleArray());
    }

    [Fact]
    public void Only_one_clipping_mode_at_a_time()
    {
        Assert.Throws<ArgumentException>(() => new Adam { ClipNorm = 1, ClipValue = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam { ClipNorm = -1 });
    }

    [Fact]
    public void Parameters_without_gradients_are_skipped_and_counted_steps_continue()
    {
        using var opt = new Adam(0.1) { ClipNorm = 1 };
        var a = Parameter(1.0);
        var b = Parameter(2.0);
        SetGrad(a, 1.0);
        opt.Step([a, b]);
        Assert.Equal([2.0], b.ToDoubleArray());
        Assert.NotEqual(1.0, a.ToDoubleArray()[0]);
        Assert.Equal(1, opt.Iterations);
        Assert.DoesNotContain(opt.GetState([a, b]).Keys, k => k.StartsWith("state.1.", StringComparison.Ordinal));
    }
}
