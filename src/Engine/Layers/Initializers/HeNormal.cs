namespace Engine.Layers.Initializers;

/// <summary>He normal: truncated normal with std = sqrt(2 / fanIn).</summary>
public sealed class HeNormal() : VarianceScaling(2, FanMode.FanIn, uniform: false, "he_normal");
