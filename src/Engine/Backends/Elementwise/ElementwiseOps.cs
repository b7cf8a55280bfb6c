using static Engine.Backends.Elementwise.Expr;

namespace Engine.Backends.Elementwise;

/// <summary>The table of generated per-element ops. Each entry is the whole definition of its
/// kernels: add an entry here, regenerate kernels/elementwise_generated.cu (see
/// <see cref="CudaSource"/>), and the gradient check, CPU/GPU parity and NVRTC tests pick it up from
/// <see cref="All"/>. The expressions keep the hand-written loops' arithmetic and order exactly
/// (the CPU training run is bitwise the same).</summary>
public static class ElementwiseOps
{
    private static readonly Expr X = new Element("x"), Y = new Element("y"), A = new Element("a"), B = new Element("b"), Dy = new Element("dy");

    private static ElementwiseOp Unary(string name, string doc, Expr forward, string saved, Expr dx, params string[] parameters) =>
        new(name, doc, ["x"], forward, [saved], [("dx", dx)], parameters);

    public static readonly ElementwiseOp Relu = Unary("relu",
        "y = x <= 0 ? 0 : x (NaN stays NaN);  dx += x > 0 ? dy : 0",
        Where(X <= 0, 0, X), "x", Where(X > 0, Dy, 0));

    public static readonly ElementwiseOp Sigmoid = Unary("sigmoid",
        "y = 1 / (1 + exp(-x)), never exp of a large positive number;  dx += dy * y * (1 - y) (from the output y)",
        Where(X >= 0, 1 / (1 + Exp(-X)), Exp(X) / (1 + Exp(X))), "y", Dy * Y * (1 - Y));

    public static readonly ElementwiseOp Tanh = Unary("tanh",
        "y = tanh(x);  dx += dy * (1 - y²) (from the output y)",
        Expr.Tanh(X), "y", Dy * (1 - Y * Y));

    public static readonly ElementwiseOp Exponential = Unary("exp",
        "y = exp(x);  dx += dy * y (the output is its own derivative)",
        Exp(X), "y", Dy * Y);

    public static readonly ElementwiseOp Logarithm = Unary("log",
        "y = log(x);  dx += dy / x",
        Log(X), "x", Dy / X);

    private static readonly Expr MaxValue = new Param("max_value"), NegativeSlope = new Param("negative_slope"), Threshold = new Param("threshold");

    public static readonly ElementwiseOp ReluExt = Unary("relu_ext",
        "Keras's ReLU(max_value, negative_slope, threshold), also relu6 and leaky_relu; max_value may be +inf",
        Where(X >= MaxValue, MaxValue, Where(X >= Threshold, X, NegativeSlope * (X - Threshold))), "x",
        Dy * Where((X > Threshold) & (X < MaxValue), 1, Where(X <= Threshold, NegativeSlope, 0)),
        "max_value", "negative_slope", "threshold");

    private static readonly Expr Alpha = new Param("alpha");

    public static readonly ElementwiseOp Elu = Unary("elu",
        "y = x > 0 ? x : alpha * (exp(x) - 1);  dx += x > 0 ? dy : dy * alpha * exp(x)",
        Where(X > 0, X, Alpha * ExpM1(X)), "x", Where(X > 0, Dy, Dy * Alpha * Exp(X)), "alpha");

    /// <summary>Keras 3's hard_sigmoid: relu6(x + 3) / 6.</summary>
    private static Expr HardSigmoidOf(Expr x) => Min(Max(x + 3, 0), 6) / 6;

    public static readonly ElementwiseOp HardSigmoid = Unary("hard_sigmoid",
        "y = min(max(x + 3, 0), 6) / 6 (Keras 3);  dx += dy / 6 where -3 < x < 3",
        HardSigmoidOf(X), "x", Where((X > -3) & (X < 3), Dy / 6, 0));

    public static readonly ElementwiseOp HardSwish = Unary("hard_swish",
        "y = x * hard_sigmoid(x);  dx += dy * (x <= -3 ? 0 : x >= 3 ? 1 : (2x + 3) / 6)",
        X * HardSigmoidOf(X), "x", Dy * Where(X <= -3, 0, Where(X >= 3, 1, (2 * X + 3) / 6)));

    public static readonly ElementwiseOp Add = new("add", "y = a + b;  da += dy;  db += dy", ["a", "b"], A + B, [], [("da", Dy), ("db", Dy)]);

    public static readonly ElementwiseOp Sub = new("sub", "y = a - b;  da += dy;  db -= dy", ["a", "b"], A - B, [], [("da", Dy), ("db", -Dy)]);

    public static readonly ElementwiseOp Mul = new("mul", "y = a * b;  da += dy * b;  db += dy * a",
        ["a", "b"], A * B, ["a", "b"], [("da", Dy * B), ("db", Dy * A)]);

    public static readonly ElementwiseOp Div = new("div", "y = a / b;  da += dy / b;  db -= dy * a / b²",
        ["a", "b"], A / B, ["a", "b"], [("da", Dy / B), ("db", -(Dy * A / (B * B)))]);

    private static readonly Expr P = new Element("p"), Target = new Element("target"), Lo = new Param("lo"), Hi = new Param("hi"), Limit = new Param("limit");

    /// <summary>clamp(v, lo, hi) as Math.Clamp computes it (NaN passes through).</summary>
    private static Expr Clamp(Expr v, Expr lo, Expr hi) => Where(v < lo, lo, Where(v > hi, hi, v));

    /// <summary>Elementwise BCE on probabilities (the loss's per-element part; target has no gradient).
    /// lo = eps and hi = 1 - eps are rounded to the element type once, from double.</summary>
    public static readonly ElementwiseOp BinaryCrossEntropy = new("binary_cross_entropy",
        "loss = -(t log(pc) + (1 - t) log(1 - pc)), pc = clamp(p, lo, hi);  dp += dy (p - t) / (p (1 - p)) where lo <= p <= hi",
        ["p", "target"], -(Target * Log(Clamp(P, Lo, Hi)) + (1 - Target) * Log(1 - Clamp(P, Lo, Hi))),
        ["p", "target"], [("dp", Where((P >= Lo) & (P <= Hi), Dy * (P - Target) / (P * (1 - P)), 0))], ["lo", "hi"]);

    /// <summary>Gradient clipping by value (in place: y may be x), NaN stays NaN; its derivative is
    /// tf.clip_by_value's (dy where -limit <= x <= limit).</summary>
    public static readonly ElementwiseOp ClipByValue = new("clip_by_value",
        "y = clamp(x, -limit, limit) (NaN stays NaN);  dx += -limit <= x <= limit ? dy : 0",
        ["x"], Clamp(X, -Limit, Limit), ["x"], [("dx", Where((X >= -Limit) & (X <= Limit), Dy, 0))], ["limit"]);

    /// <summary>Every generated op, in the order of the generated file.</summary>
    public static IReadOnlyList<ElementwiseOp> All { get; } =
        [Relu, Sigmoid, Tanh, Exponential, Logarithm, ReluExt, Elu, HardSigmoid, HardSwish, Add, Sub, Mul, Div, BinaryCrossEntropy, ClipByValue];
}
