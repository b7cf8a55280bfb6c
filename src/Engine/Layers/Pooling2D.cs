namespace Engine.Layers;

/// <summary>Shared shape logic of MaxPooling2D and AveragePooling2D (NCHW; strides default to the
/// pool size, as in Keras).</summary>
public abstract class Pooling2D : Layer
{
    protected Pooling2D(Size2 poolSize, Size2? strides, string padding, int[]? inputShape, string? name) : base(name, inputShape)
    {
        poolSize.RequirePositive(ClassName, "poolSize");
        PoolSize = poolSize;
        Strides = strides ?? poolSize;
        Strides.RequirePositive(ClassName, "strides");
        Padding = PaddingNames.Parse(padding, ClassName);
    }

    public Size2 PoolSize { get; }

    public Size2 Strides { get; }

    public Padding Padding { get; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        var oh = PaddingNames.OutputLength(inputShape[1], PoolSize.Height, Strides.Height, Padding);
        var ow = PaddingNames.OutputLength(inputShape[2], PoolSize.Width, Strides.Width, Padding);
        if (oh <= 0 || ow <= 0)
            throw Incompatible($"the pool size {PoolSize} is larger than the input's spatial size ({inputShape[1]}, {inputShape[2]}) with padding 'valid'. Full shape received: {WithBatch(inputShape)}.");
        return [inputShape[0], oh, ow];
    }

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["pool_size"] = ConfigJson.Pair(PoolSize);
        c["strides"] = ConfigJson.Pair(Strides);
        c["padding"] = PaddingNames.Name(Padding);
        c["data_format"] = "channels_first";
        return c;
    }
}
