namespace Engine.Layers.Initializers;

/// <summary>Which fan a variance-scaling initializer divides by.</summary>
public enum FanMode
{
    FanIn,
    FanOut,
    FanAvg,
}
