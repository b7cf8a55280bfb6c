namespace Engine.Autograd;

/// <summary>Padding of a convolution: Keras's "valid" / "same" (see <see cref="Padding"/>), or explicit
/// zero padding per side (PyTorch's padding=, with separate top/bottom and left/right amounts).
/// Converts from a string, a <see cref="Padding"/>, an int (every side), (h, w) (symmetric per axis)
/// and ((top, bottom), (left, right)), so <c>padding: "same"</c> and <c>padding: (1, 1)</c> both read
/// naturally. The default value is "valid". Names are checked by <see cref="Validate"/>.</summary>
public readonly record struct ConvPadding
{
    private readonly string? _mode;

    private ConvPadding(string? mode, int top, int bottom, int left, int right)
    {
        _mode = mode;
        (Top, Bottom, Left, Right) = (top, bottom, left, right);
    }

    /// <summary>"valid", "same", "explicit" (or, before <see cref="Validate"/>, whatever string was given).</summary>
    public string Mode => _mode ?? "valid";

    public bool IsExplicit => Mode == "explicit";

    public int Top { get; }

    public int Bottom { get; }

    public int Left { get; }

    public int Right { get; }

    public static ConvPadding Valid => new("valid", 0, 0, 0, 0);

    public static ConvPadding Same => new("same", 0, 0, 0, 0);

    public static ConvPadding Explicit(int top, int bottom, int left, int right) => new("explicit", top, bottom, left, right);

    public static implicit operator ConvPadding(string mode) => new(mode, 0, 0, 0, 0);

    public static implicit operator ConvPadding(Padding padding) => padding == Padding.Same ? Same : padding == Padding.Valid ? Valid : new(((int)padding).ToString(), 0, 0, 0, 0);

    public static implicit operator ConvPadding(int all) => Explicit(all, all, all, all);

    public static implicit operator ConvPadding((int Height, int Width) symmetric) =>
        Explicit(symmetric.Height, symmetric.Height, symmetric.Width, symmetric.Width);

    public static implicit operator ConvPadding(((int Top, int Bottom) Height, (int Left, int Right) Width) sides) =>
        Explicit(sides.Height.Top, sides.Height.Bottom, sides.Width.Left, sides.Width.Right);

    /// <summary>The normalized padding, or an error naming <paramref name="owner"/> and what was received.</summary>
    public ConvPadding Validate(string owner)
    {
        if (IsExplicit)
        {
            if (Top < 0 || Bottom < 0 || Left < 0 || Right < 0)
                throw new ArgumentException($"{owner}: explicit padding amounts must be >= 0; received {this}.", "padding");
            return this;
        }
        return Mode.Trim().ToLowerInvariant() switch
        {
            "valid" => Valid,
            "same" => Same,
            _ => throw new ArgumentException($"{owner}: invalid padding '{Mode}'; expected 'valid', 'same' or explicit amounts (int, (h, w) or ((top, bottom), (left, right))).", "padding"),
        };
    }

    /// <summary>Output length and leading padding along one axis for a window spanning
    /// <paramref name="span"/> pixels ((kernel − 1)·dilation + 1) moved by <paramref name="stride"/>:
    /// valid: (size − span) / stride + 1; same: ceil(size / stride) with the needed padding split and the
    /// odd pixel after (TensorFlow's rule); explicit: (size + before + after − span) / stride + 1.
    /// An output ≤ 0 means the window does not fit. Call on a validated value.</summary>
    internal (int Out, int PadBefore) Along(int size, int span, int stride, bool height)
    {
        switch (Mode)
        {
            case "same":
                var output = (size + stride - 1) / stride;
                var total = Math.Max((output - 1) * stride + span - size, 0);
                return (output, total / 2);
            case "explicit":
                var (before, after) = height ? (Top, Bottom) : (Left, Right);
                var padded = size + before + after;
                return (padded < span ? 0 : (padded - span) / stride + 1, before);
            default:
                return (size < span ? 0 : (size - span) / stride + 1, 0);
        }
    }

    /// <summary>'valid', 'same' (quoted, as errors print them) or ((top, bottom), (left, right)).</summary>
    internal string Quoted => IsExplicit ? ToString() : $"'{Mode}'";

    /// <summary>"valid", "same" or ((top, bottom), (left, right)).</summary>
    public override string ToString() => IsExplicit ? $"(({Top}, {Bottom}), ({Left}, {Right}))" : Mode;
}
