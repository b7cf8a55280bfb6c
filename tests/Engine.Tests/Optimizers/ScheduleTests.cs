using Engine.Optimizers;
using static Engine.Tests.Optimizers.OptimizerTestHelpers;

namespace Engine.Tests.Optimizers;

public class ScheduleTests
{
    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(9, 0.1)]
    [InlineData(10, 0.05)] // 0.1·0.5^1
    [InlineData(25, 0.025)] // 0.1·0.5^2
    public void StepDecay_drops_by_gamma_every_stepSize_steps(long step, double expected) =>
        Assert.Equal(expected, new StepDecay(10, 0.5).At(step, 0.1), 12);

    [Theory]
    [InlineData(0, false, 0.1)]
    [InlineData(50, false, 0.09797958971132712)] // 0.1·0.96^0.5
    [InlineData(150, false, 0.09406040612287403)] // 0.1·0.96^1.5 = 0.1·0.96·0.9797958971
    [InlineData(150, true, 0.096)] // 0.1·0.96^floor(1.5)
    [InlineData(199, true, 0.096)]
    [InlineData(200, true, 0.09216)] // 0.1·0.96²
    public void ExponentialDecay_matches_keras(long step, bool staircase, double expected) =>
        Assert.Equal(expected, new ExponentialDecay(100, 0.96, staircase).At(step, 0.1), 12);

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(50, 0.055)] // 0.1·(0.9·½(1+cos(π/2)) + 0.1) = 0.1·(0.45 + 0.1)
    [InlineData(25, 0.08681980515339464)] // 0.1·(0.9·½(1+cos(π/4)) + 0.1) = 0.1·(0.9·0.853553390593 + 0.1)
    [InlineData(100, 0.01)] // alpha·base
    [InlineData(1000, 0.01)] // stays at the floor
    public void CosineDecay_without_warmup(long step, double expected) =>
        Assert.Equal(expected, new CosineDecay(100, alpha: 0.1).At(step, 0.1), 12);

    [Theory]
    [InlineData(0, 0.1)] // warm-up starts at the base rate
    [InlineData(5, 0.55)] // 0.1 + (1.0 - 0.1)·5/10
    [InlineData(10, 1.0)] // the target; the cosine starts here
    [InlineData(60, 0.5)] // 1.0·½(1 + cos(π·50/100))
    [InlineData(110, 0.0)]
    [InlineData(500, 0.0)]
    public void CosineDecay_with_linear_warmup(long step, double expected) =>
        Assert.Equal(expected, new CosineDecay(100, warmupSteps: 10, warmupTarget: 1.0).At(step, 0.1), 12);

    [Fact]
    public void Warmup_steps_without_a_target_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new CosineDecay(100, warmupSteps: 10));
        Assert.Contains("warmupTarget", e.Message);
    }

    [Fact]
    public void Optimizer_uses_the_scheduled_rate_at_each_step()
    {
        // rates 0.1, 0.05, 0.025 with g = 1 each time: p = 1 - 0.1 - 0.05 - 0.025 = 0.825
        using var opt = new Sgd(0.1) { Schedule = new StepDecay(1, 0.5) };
        Assert.Equal(0.1, opt.CurrentLearningRate);
        var trace = Run(opt, [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]);
        AssertSteps([[0.9, -2.1], [0.85, -2.15], [0.825, -2.175]], trace);
        Assert.Equal(3, opt.Iterations);
        Assert.Equal(0.0125, opt.CurrentLearningRate, 15);
    }

    [Fact]
    public void Lowering_the_base_rate_scales_the_schedule()
    {
        var opt = new Sgd(0.1) { Schedule = new ExponentialDecay(1, 0.5) };
        opt.LearningRate = 0.01; // what ReduceLROnPlateau does
        Assert.Equal(0.01, opt.CurrentLearningRate, 15);
    }

    [Fact]
    public void Schedule_configs_round_trip()
    {
        LearningRateSchedule[] all = [new StepDecay(3, 0.7), new ExponentialDecay(7, 0.9, true), new CosineDecay(50, 0.2, 5, 0.3)];
        foreach (var s in all)
        {
            var back = LearningRateSchedule.FromConfig(s.GetConfig());
            Assert.Equal(s.GetType(), back.GetType());
            foreach (var step in new long[] { 0, 2, 4, 6, 30, 80 })
                Assert.Equal(s.At(step, 0.1), back.At(step, 0.1));
        }
    }
}
