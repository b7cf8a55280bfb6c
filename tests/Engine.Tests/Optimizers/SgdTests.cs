using Engine.Optimizers;
using static Engine.Tests.Optimizers.OptimizerTestHelpers;

namespace Engine.Tests.Optimizers;

/// <summary>torch.optim.SGD by hand: p0 = [1, -2], g1 = [0.5, -1], g2 = [0.2, 0.4], g3 = [-0.1, 0.3].</summary>
public class SgdTests
{
    [Fact]
    public void Plain_sgd_takes_lr_times_gradient()
    {
        // p -= 0.1·g:  [1-0.05, -2+0.1] = [0.95, -1.9];  [0.95-0.02, -1.9-0.04] = [0.93, -1.94];
        //              [0.93+0.01, -1.94-0.03] = [0.94, -1.97]
        AssertSteps([[0.95, -1.9], [0.93, -1.94], [0.94, -1.97]], Run(new Sgd(0.1)));
    }

    [Fact]
    public void Momentum_accumulates_velocity()
    {
        // lr 0.1, momentum 0.9.  v1 = g1 = [0.5, -1]            p1 = [0.95, -1.9]
        // v2 = 0.9·v1 + g2 = [0.45+0.2, -0.9+0.4] = [0.65, -0.5]      p2 = [0.95-0.065, -1.9+0.05] = [0.885, -1.85]
        // v3 = 0.9·v2 + g3 = [0.585-0.1, -0.45+0.3] = [0.485, -0.15]  p3 = [0.885-0.0485, -1.85+0.015] = [0.8365, -1.835]
        AssertSteps([[0.95, -1.9], [0.885, -1.85], [0.8365, -1.835]], Run(new Sgd(0.1, momentum: 0.9)));
    }

    [Fact]
    public void Nesterov_steps_along_gradient_plus_momentum_times_velocity()
    {
        // Same velocities as above; the step is d = g + 0.9·v:
        // d1 = [0.5+0.45, -1-0.9] = [0.95, -1.9]          p1 = [1-0.095, -2+0.19] = [0.905, -1.81]
        // d2 = [0.2+0.585, 0.4-0.45] = [0.785, -0.05]     p2 = [0.905-0.0785, -1.81+0.005] = [0.8265, -1.805]
        // d3 = [-0.1+0.4365, 0.3-0.135] = [0.3365, 0.165] p3 = [0.8265-0.03365, -1.805-0.0165] = [0.79285, -1.8215]
        AssertSteps([[0.905, -1.81], [0.8265, -1.805], [0.79285, -1.8215]], Run(new Sgd(0.1, momentum: 0.9, nesterov: true)));
    }

    [Fact]
    public void Weight_decay_adds_wd_times_p_to_the_gradient()
    {
        // lr 0.1, wd 0.1: d = g + 0.1·p
        // d1 = [0.5+0.1, -1-0.2] = [0.6, -1.2]                  p1 = [0.94, -1.88]
        // d2 = [0.2+0.094, 0.4-0.188] = [0.294, 0.212]          p2 = [0.9106, -1.9012]
        // d3 = [-0.1+0.09106, 0.3-0.19012] = [-0.00894, 0.10988] p3 = [0.911494, -1.912188]
        AssertSteps([[0.94, -1.88], [0.9106, -1.9012], [0.911494, -1.912188]], Run(new Sgd(0.1, weightDecay: 0.1)));
    }

    [Fact]
    public void Dampening_skips_the_first_step_as_torch_does()
    {
        // momentum 0.9, dampening 0.5. torch copies g1 into the buffer on the first step: v1 = [0.5, -1], p1 = [0.95, -1.9]
        // v2 = 0.9·v1 + 0.5·g2 = [0.45+0.1, -0.9+0.2] = [0.55, -0.7]      p2 = [0.895, -1.83]
        // v3 = 0.9·v2 + 0.5·g3 = [0.495-0.05, -0.63+0.15] = [0.445, -0.48] p3 = [0.8505, -1.782]
        AssertSteps([[0.95, -1.9], [0.895, -1.83], [0.8505, -1.782]], Run(new Sgd(0.1, momentum: 0.9, dampening: 0.5)));
    }

    [Fact]
    public void Float32_matches_the_float64_steps_to_float_precision()
    {
        var f32 = Run(new Sgd(0.1, momentum: 0.9, nesterov: true), dtype: Engine.Tensors.DType.Float32);
        AssertSteps([[0.905, -1.81], [0.8265, -1.805], [0.79285, -1.8215]], f32, tol: 1e-6);
    }

    [Fact]
    public void Nesterov_without_momentum_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sgd(0.1, nesterov: true));
        Assert.Contains("momentum", e.Message);
    }

    [Fact]
    public void Plain_sgd_keeps_no_state()
    {
        using var opt = new Sgd(0.1);
        var p = Parameter(1.0, 2.0);
        SetGrad(p, 1.0, 1.0);
        opt.Step([p]);
        Assert.Equal(["iterations", "learning_rate"], opt.GetState([p]).Keys.Order());
    }
}
