namespace Engine.Data;

/// <summary>Which side of a validation split a dataset holds (Keras's subset).</summary>
public enum Subset
{
    Training,
    Validation,
}
