namespace Engine.Layers;

/// <summary>A model input (Keras's <c>keras.Input</c> / InputLayer). The shape excludes the batch
/// axis. Images are channels-first by default: Keras's <c>Input(shape=(28, 28, 1))</c> is
/// <c>new Input(1, 28, 28)</c>, or, keeping Keras's order, <c>new Input([28, 28, 1], dataFormat:
/// "channels_last")</c>: the model then takes (N, H, W, C) batches, moves the channels to the front
/// once at the input, and its Summary prints channels-last shapes. <paramref name="dtype"/> sets
/// the dtype the model computes in (float64 for checks and research). Use it as the first entry
/// of a Sequential, or as the start of the functional API (it converts to a
/// <see cref="SymbolicTensor"/>).</summary>
public sealed class Input : Layer
{
    public const string ChannelsFirst = "channels_first", ChannelsLast = "channels_last";

    public Input(params int[] shape) : this(shape, null)
    {
    }

    public Input(int[] shape, string? name = null, DType dtype = Tensors.DType.Float32, string dataFormat = ChannelsFirst) : base(name, RequireShape(shape))
    {
        if (!dtype.IsFloating())
            throw new ArgumentException($"Input dtype must be float32 or float64; received {dtype.Name()}.", nameof(dtype));
        if (dataFormat is not (ChannelsFirst or ChannelsLast))
            throw new ArgumentException($"Input dataFormat must be \"{ChannelsFirst}\" or \"{ChannelsLast}\"; received \"{dataFormat}\".", nameof(dataFormat));
        if (dataFormat == ChannelsLast && shape.Length < 2)
            throw new ArgumentException($"A channels_last Input needs at least two axes (…, channels); received {WithBatch(shape)}.", nameof(shape));
        InputDType = dtype;
        DataFormat = dataFormat;
        Output = new SymbolicTensor(ToChannelsFirst(shape), this, [], dtype);
    }

    private static int[] RequireShape(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0)
            throw new ArgumentException("Input needs a per-sample shape, e.g. new Input(1, 28, 28) for 28x28 grayscale images (channels first).", nameof(shape));
        return shape;
    }

    public override string ClassName => "InputLayer";

    /// <summary>The per-sample shape as declared (in <see cref="DataFormat"/> order).</summary>
    public int[] Shape => InputShape!;

    /// <summary>The per-sample shape the layers see: channels first.</summary>
    public int[] LayerShape => Output.Shape;

    /// <summary>The dtype of the batches and of the model's weights.</summary>
    public DType InputDType { get; }

    /// <summary>"channels_first" (N, C, H, W) or "channels_last" (N, H, W, C, as Keras).</summary>
    public string DataFormat { get; }

    public bool IsChannelsLast => DataFormat == ChannelsLast;

    /// <summary>The symbolic tensor that layers are applied to.</summary>
    public SymbolicTensor Output { get; }

    public static implicit operator SymbolicTensor(Input input) => input.Output;

    /// <summary>(H, W, C) → (C, H, W): the last axis moves to the front.</summary>
    internal int[] ToChannelsFirst(int[] shape) => DataFormat == ChannelsLast ? [shape[^1], .. shape[..^1]] : shape.ToArray();

    /// <summary>(C, H, W) → (H, W, C), for printing shapes as a channels-last Keras model does.</summary>
    internal static int[] ToChannelsLast(int[] shape) => shape.Length >= 2 ? [.. shape[1..], shape[0]] : shape;

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    protected override Tensor Call(Tensor x, CallContext context) => x;

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c.Remove("trainable");
        if (InputDType != Tensors.DType.Float32) c["dtype"] = InputDType.Name();
        if (IsChannelsLast) c["data_format"] = DataFormat;
        return c;
    }

    internal static Input FromConfig(JsonObject c) => new(c.Ints("input_shape"), c.Str("name"), ReadDType(c), c.StrOrNull("data_format") ?? ChannelsFirst);

    internal static DType ReadDType(JsonObject c) => c.StrOrNull("dtype") switch
    {
        null or "float32" => Tensors.DType.Float32,
        "float64" => Tensors.DType.Float64,
        var other => throw new FormatException($"Unknown dtype '{other}' in a model config; expected float32 or float64."),
    };
}
