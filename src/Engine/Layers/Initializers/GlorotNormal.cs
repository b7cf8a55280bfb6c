namespace Engine.Layers.Initializers;

/// <summary>Glorot normal: truncated normal with std = sqrt(2 / (fanIn + fanOut)).</summary>
public sealed class GlorotNormal() : VarianceScaling(1, FanMode.FanAvg, uniform: false, "glorot_normal");
