using Engine.Optimizers;
using static Engine.Tests.Optimizers.OptimizerTestHelpers;

namespace Engine.Tests.Optimizers;

/// <summary>torch.optim.Adam / AdamW by hand (float64): p0 = [1, -2], g1 = [0.5, -1], g2 = [0.2, 0.4],
/// g3 = [-0.1, 0.3], lr 0.1, β1 0.9, β2 0.999, eps 1e-8 (PyTorch's default, passed explicitly).
/// Each step: m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p -= (lr/(1-β1^t))·m / (sqrt(v)/sqrt(1-β2^t) + eps).</summary>
public class AdamTests
{
    [Fact]
    public void Adam_first_three_steps()
    {
        // t=1: m = 0.1·g1 = [0.05, -0.1], v = 0.001·g1² = [0.00025, 0.001]; m̂ = g1, sqrt(v̂) = |g1|
        //      p1 = p0 - 0.1·g1/(|g1| + 1e-8) = [1 - 0.1·0.5/0.50000001, -2 + 0.1·1/1.00000001] = [0.900000002, -1.900000001]
        // t=2: m = [0.9·0.05+0.02, -0.09+0.04] = [0.065, -0.05]; v = [0.999·0.00025+0.00004, 0.000999+0.00016] = [0.00028975, 0.001159]
        //      p2 = p1 - (0.1/0.19)·m/(sqrt(v)/sqrt(0.001999) + 1e-8) = [0.8101424839029282, -1.865439416662626]
        // t=3: m = [0.0485, -0.015]; v = [0.00029946025, 0.001247841]; bc1 = 0.271, bc2 = 0.002997001
        //      p3 = [0.7535255578069425, -1.8568614218383597]
        AssertSteps(
            [[0.900000002, -1.900000001], [0.8101424839029282, -1.865439416662626], [0.7535255578069425, -1.8568614218383597]],
            Run(new Adam(0.1, epsilon: 1e-8)));
    }

    [Fact]
    public void Adam_weight_decay_is_an_L2_term_in_the_gradient()
    {
        // d = g + 0.1·p enters the moments. t=1: d1 = [0.6, -1.2] -> p1 = p0 - 0.1·d1/(|d1| + 1e-8)
        //   = [1 - 0.1·0.6/0.60000001, -2 + 0.1·1.2/1.20000001] = [0.9000000016666666, -1.9000000008333333]
        // t=2: d2 = g2 + 0.1·p1 = [0.29000000002, 0.21000000001]; m = [0.083, -0.087]; v = [0.00044374, 0.00148266]
        //      p2 = [0.8072814605072346, -1.846831886458653]
        // t=3: p3 = [0.7374880492871208, -1.8119419469433486]
        AssertSteps(
            [[0.9000000016666666, -1.9000000008333333], [0.8072814605072346, -1.846831886458653], [0.7374880492871208, -1.8119419469433486]],
            Run(new Adam(0.1, epsilon: 1e-8, weightDecay: 0.1)));
    }

    [Fact]
    public void AdamW_decay_shrinks_the_weights_before_the_adam_step()
    {
        // p ·= (1 - lr·wd) = 0.99 first, then the plain Adam step (same moments as without decay):
        // t=1: [0.99 - 0.099999998, -1.98 + 0.099999999] = [0.890000002, -1.880000001]
        // t=2: [0.99·0.890000002 - 0.0898575181, ...] (0.0898575181 = plain Adam's second step) = [0.7912424838829282, -1.826639416652626]
        // t=3: [0.7267131329481132, -1.7997950276618335]
        AssertSteps(
            [[0.890000002, -1.880000001], [0.7912424838829282, -1.826639416652626], [0.7267131329481132, -1.7997950276618335]],
            Run(new AdamW(0.1, epsilon: 1e-8, weightDecay: 0.1)));
    }

    [Fact]
    public void AdamW_and_Adam_with_the_same_decay_differ()
    {
        var l2 = Run(new Adam(0.1, epsilon: 1e-8, weightDecay: 0.1));
        var decoupled = Run(new AdamW(0.1, epsilon: 1e-8, weightDecay: 0.1));
        Assert.True(Math.Abs(l2[0][0] - decoupled[0][0]) > 0.009, $"L2 {l2[0][0]} vs decoupled {decoupled[0][0]}");
    }

    [Fact]
    public void Amsgrad_uses_the_running_maximum_of_v()
    {
        // β2 = 0.5 so v falls quickly after a large first gradient: g = [1, 2], [0.1, 0.1], [0.1, 0.1].
        // t=1: v = [0.5, 2]; both variants: p1 = [1 - 0.1·1/(1+1e-8), -2 - 0.1·2/(2+1e-8)] = [0.900000001, -2.0999999995]
        // t=2: v = [0.255, 1.005] < vmax = [0.5, 2]; m = [0.1, 0.19]; bc1 = 0.19, sqrt(bc2) = sqrt(0.75)
        //      amsgrad: p2 = p1 - (0.1/0.19)·m/(sqrt(vmax)/sqrt(0.75) + 1e-8) = [0.8355397454004426, -2.1612372426945794]
        //      plain:   p2 = [0.8097375893150882, -2.1863868413118674]
        // t=3: amsgrad [0.786725146211059, -2.2054144552531763]; plain [0.7149117303589074, -2.2740859705943057]
        double[][] g = [[1.0, 2.0], [0.1, 0.1], [0.1, 0.1]];
        AssertSteps(
            [[0.900000001, -2.0999999995], [0.8355397454004426, -2.1612372426945794], [0.786725146211059, -2.2054144552531763]],
            Run(new Adam(0.1, beta2: 0.5, epsilon: 1e-8, amsgrad: true), g));
        AssertSteps(
            [[0.900000001, -2.0999999995], [0.8097375893150882, -2.1863868413118674], [0.7149117303589074, -2.2740859705943057]],
            Run(new Adam(0.1, beta2: 0.5, epsilon: 1e-8), g));
    }

    [Fact]
    public void Float32_adam_matches_float64_to_float_precision()
    {
        AssertSteps(
            [[0.900000002, -1.900000001], [0.8101424839029282, -1.865439416662626], [0.7535255578069425, -1.8568614218383597]],
            Run(new Adam(0.1, epsilon: 1e-8), dtype: Engine.Tensors.DType.Float32), tol: 1e-6);
    }

    [Fact]
    public void Keras_defaults()
    {
        var a = new Adam();
        Assert.Equal((0.001, 0.9, 0.999, 1e-7, false, 0.0), (a.LearningRate, a.Beta1, a.Beta2, a.Epsilon, a.Amsgrad, a.WeightDecay));
        Assert.Equal(0.004, new AdamW().WeightDecay);
        Assert.Equal("adamw", new AdamW().Name);
    }
}
