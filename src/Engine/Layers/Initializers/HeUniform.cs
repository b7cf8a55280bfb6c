namespace Engine.Layers.Initializers;

/// <summary>He uniform: limit = sqrt(6 / fanIn), for ReLU networks.</summary>
public sealed class HeUniform() : VarianceScaling(2, FanMode.FanIn, uniform: true, "he_uniform");
