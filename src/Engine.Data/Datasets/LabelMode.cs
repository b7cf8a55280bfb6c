namespace Engine.Data;

/// <summary>How targets come out of a dataset (Keras's label_mode).</summary>
public enum LabelMode
{
    /// <summary>Class indices, int32 [N] (for sparse categorical cross-entropy).</summary>
    Int,

    /// <summary>One-hot float32 [N, classes] (for categorical cross-entropy).</summary>
    Categorical,

    /// <summary>0 or 1 as float32 [N, 1]; needs exactly two classes (for binary cross-entropy).</summary>
    Binary,

    /// <summary>Multi-hot float32 [N, labels]: several labels per sample (sigmoid + binary cross-entropy).</summary>
    MultiHot,
}
