using System.Text.Json.Nodes;
using Engine.Tensors;

namespace Engine.Layers;

/// <summary>The model input (Keras's <c>keras.Input</c> / InputLayer). The shape excludes the batch
/// axis and is channels-first for images: Keras's <c>Input(shape=(28, 28, 1))</c> is
/// <c>new Input(1, 28, 28)</c> here. Use it as the first entry of a Sequential, or as the start of
/// the functional API (it converts to a <see cref="SymbolicTensor"/>).</summary>
public sealed class Input : Layer
{
    public Input(params int[] shape) : this(shape, null)
    {
    }

    public Input(int[] shape, string? name) : base(name, RequireShape(shape))
    {
        Output = new SymbolicTensor(shape.ToArray(), this, null);
    }

    private static int[] RequireShape(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0)
            throw new ArgumentException("Input needs a per-sample shape, e.g. new Input(1, 28, 28) for 28x28 grayscale images (channels first).", nameof(shape));
        return shape;
    }

    public override string ClassName => "InputLayer";

    /// <summary>The per-sample shape.</summary>
    public int[] Shape => InputShape!;

    /// <summary>The symbolic tensor that layers are applied to.</summary>
    public SymbolicTensor Output { get; }

    public static implicit operator SymbolicTensor(Input input) => input.Output;

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    protected override Tensor Call(Tensor x, CallContext context) => x;

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c.Remove("trainable");
        return c;
    }
}
