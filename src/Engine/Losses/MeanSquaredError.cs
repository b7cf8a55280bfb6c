using Engine.Metrics;

namespace Engine.Losses;

/// <summary>Mean over the last axis of (prediction - target)² ("mse"), for regression heads.</summary>
public sealed class MeanSquaredError : Loss
{
    public override string Name => "mean_squared_error";

    public override TargetKind? TargetKind => null;

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = BinaryCrossentropy.AsMatrix(Name, yTrue, yPred);
        var d = Ops.Sub(yPred, AsFloatTargets(yTrue, yPred));
        return Ops.Mean(Ops.Mul(d, d), 1);
    }

    public override Tensor PerElement(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = BinaryCrossentropy.AsMatrix(Name, yTrue, yPred);
        var d = Ops.Sub(yPred, AsFloatTargets(yTrue, yPred));
        return Ops.Mul(d, d);
    }
}
