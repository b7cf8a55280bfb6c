namespace Engine.Autograd;

/// <summary>Border handling of convolution and pooling, as Keras spells it. Valid: windows stay
/// inside the input, output = (size - kernel) / stride + 1. Same: output = ceil(size / stride),
/// with the needed zero padding split evenly and the odd row/column at the bottom/right
/// (TensorFlow's rule).</summary>
public enum Padding
{
    Valid,
    Same,
}
