namespace Engine.Backends.Elementwise;

/// <summary>A per-element expression: the single definition of an elementwise op's forward value or
/// derivative, printed as CUDA C (<see cref="CudaSource"/>) and compiled into a CPU loop
/// (<see cref="CpuLoops"/>). Arithmetic happens in the element type (float or double); scalar
/// parameters arrive as double and are rounded to it once, as the hand-written kernels did.
/// Operators build the tree: <c>Where(x &gt; 0, dy, 0)</c>, <c>dy * y * (1 - y)</c>.</summary>
public abstract class Expr
{
    public static implicit operator Expr(double value) => new Const(value);

    public static Expr operator +(Expr a, Expr b) => new Binary("+", a, b);
    public static Expr operator -(Expr a, Expr b) => new Binary("-", a, b);
    public static Expr operator *(Expr a, Expr b) => new Binary("*", a, b);
    public static Expr operator /(Expr a, Expr b) => new Binary("/", a, b);
    public static Expr operator -(Expr a) => new Negate(a);
    public static Expr operator <(Expr a, Expr b) => new Binary("<", a, b);
    public static Expr operator >(Expr a, Expr b) => new Binary(">", a, b);
    public static Expr operator <=(Expr a, Expr b) => new Binary("<=", a, b);
    public static Expr operator >=(Expr a, Expr b) => new Binary(">=", a, b);

    /// <summary>Logical and of two comparisons (short-circuit, like C#'s and C's &amp;&amp;).</summary>
    public static Expr operator &(Expr a, Expr b) => new Binary("&&", a, b);

    /// <summary>cond ? a : b; only the chosen side is evaluated.</summary>
    public static Expr Where(Expr cond, Expr a, Expr b) => new Select(cond, a, b);

    public static Expr Exp(Expr a) => new Call(Function.Exp, a);
    public static Expr ExpM1(Expr a) => new Call(Function.ExpM1, a);
    public static Expr Log(Expr a) => new Call(Function.Log, a);
    public static Expr Tanh(Expr a) => new Call(Function.Tanh, a);
    public static Expr Min(Expr a, Expr b) => new Call(Function.Min, a, b);
    public static Expr Max(Expr a, Expr b) => new Call(Function.Max, a, b);

    /// <summary>An element of a tensor argument (x[i]).</summary>
    public sealed class Element(string name) : Expr
    {
        public string Name { get; } = name;
    }

    /// <summary>A scalar parameter of the op (passed as double, used in the element type).</summary>
    public sealed class Param(string name) : Expr
    {
        public string Name { get; } = name;
    }

    public sealed class Const(double value) : Expr
    {
        public double Value { get; } = value;
    }

    public sealed class Binary(string op, Expr a, Expr b) : Expr
    {
        public string Op { get; } = op;
        public Expr A { get; } = a;
        public Expr B { get; } = b;
    }

    public sealed class Negate(Expr a) : Expr
    {
        public Expr A { get; } = a;
    }

    public sealed class Select(Expr cond, Expr a, Expr b) : Expr
    {
        public Expr Cond { get; } = cond;
        public Expr A { get; } = a;
        public Expr B { get; } = b;
    }

    public sealed class Call(Function function, params Expr[] args) : Expr
    {
        public Function Function { get; } = function;
        public IReadOnlyList<Expr> Args { get; } = args;
    }

    // Operators < and > need their pairs; Equals/GetHashCode stay reference-based.
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}

/// <summary>The math functions an expression may call. Each maps to the float/double method of the
/// same name on the CPU (float.Exp is MathF.Exp, double.Exp is Math.Exp) and to its CUDA float
/// function (expf, ...), so one definition keeps the arithmetic the hand-written loops had.</summary>
public enum Function
{
    Exp,
    ExpM1,
    Log,
    Tanh,
    Min,
    Max,
}
