namespace Engine.Layers.Initializers;

/// <summary>Glorot (Xavier) uniform: limit = sqrt(6 / (fanIn + fanOut)). Keras's default kernel initializer.</summary>
public sealed class GlorotUniform() : VarianceScaling(1, FanMode.FanAvg, uniform: true, "glorot_uniform");
