using System.Linq.Expressions;
using System.Numerics;

namespace Engine.Backends.Elementwise;

/// <summary>Compiles an <see cref="ElementwiseOp"/> into plain CPU loops for float or double with
/// System.Linq.Expressions: the expression is inlined into the loop body (no delegate call per
/// element), calls the same float/double math the hand-written loops called, and accumulates
/// gradients as <c>g[i] = g[i] + value</c>, each gradient in its own pass, as they did.</summary>
internal static class CpuLoops
{
    /// <summary>y = f(a, b): a tensor is (array, offset); unused inputs are null, unused params 0.</summary>
    internal delegate void ForwardLoop<T>(T[]? a, int ao, T[]? b, int bo, T[] y, int yo, int n, double p0, double p1, double p2);

    /// <summary>g0 += df0, g1 += df1 reading saved s0, s1 and dy; a null gradient is skipped.</summary>
    internal delegate void BackwardLoop<T>(T[]? s0, int s0o, T[]? s1, int s1o, T[] dy, int dyo, T[]? g0, int g0o, T[]? g1, int g1o, int n, double p0, double p1, double p2);

    internal sealed record Compiled<T>(ForwardLoop<T> Forward, BackwardLoop<T>? Backward);

    internal static Compiled<T> Compile<T>(ElementwiseOp op) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(CompileForward<T>(op), op.HasBackward ? CompileBackward<T>(op) : null);

    private static ForwardLoop<T> CompileForward<T>(ElementwiseOp op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var arrays = new[] { Expression.Parameter(typeof(T[]), "a"), Expression.Parameter(typeof(T[]), "b") };
        var offsets = new[] { Expression.Parameter(typeof(int), "ao"), Expression.Parameter(typeof(int), "bo") };
        var (y, yo, n) = (Expression.Parameter(typeof(T[]), "y"), Expression.Parameter(typeof(int), "yo"), Expression.Parameter(typeof(int), "n"));
        var p = Enumerable.Range(0, ElementwiseOp.MaxParams).Select(k => Expression.Parameter(typeof(double), $"p{k}")).ToArray();
        var i = Expression.Variable(typeof(int), "i");
        var scope = new Scope<T>(op, p);
        for (var k = 0; k < op.Inputs.Count; k++) scope.Elements[op.Inputs[k]] = Expression.ArrayAccess(arrays[k], Expression.Add(offsets[k], i));
        var body = Expression.Assign(Expression.ArrayAccess(y, Expression.Add(yo, i)), scope.Build(op.Forward));
        var block = Expression.Block(scope.Variables.Append(i), scope.Assignments.Append(For(i, n, body)));
        return Expression.Lambda<ForwardLoop<T>>(block, $"{op.ForwardKernel}_{typeof(T).Name}",
            [arrays[0], offsets[0], arrays[1], offsets[1], y, yo, n, p[0], p[1], p[2]]).Compile();
    }

    private static BackwardLoop<T> CompileBackward<T>(ElementwiseOp op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var saved = new[] { Expression.Parameter(typeof(T[]), "s0"), Expression.Parameter(typeof(T[]), "s1") };
        var savedAt = new[] { Expression.Parameter(typeof(int), "s0o"), Expression.Parameter(typeof(int), "s1o") };
        var (dy, dyo) = (Expression.Parameter(typeof(T[]), "dy"), Expression.Parameter(typeof(int), "dyo"));
        var grads = new[] { Expression.Parameter(typeof(T[]), "g0"), Expression.Parameter(typeof(T[]), "g1") };
        var gradsAt = new[] { Expression.Parameter(typeof(int), "g0o"), Expression.Parameter(typeof(int), "g1o") };
        var n = Expression.Parameter(typeof(int), "n");
        var p = Enumerable.Range(0, ElementwiseOp.MaxParams).Select(k => Expression.Parameter(typeof(double), $"p{k}")).ToArray();
        var i = Expression.Variable(typeof(int), "i");
        var scope = new Scope<T>(op, p);
        for (var k = 0; k < op.Saved.Count; k++) scope.Elements[op.Saved[k]] = Expression.ArrayAccess(saved[k], Expression.Add(savedAt[k], i));
        scope.Elements["dy"] = Expression.ArrayAccess(dy, Expression.Add(dyo, i));
        var passes = new List<Expression>();
        for (var k = 0; k < op.Grads.Count; k++)
        {
            var g = Expression.ArrayAccess(grads[k], Expression.Add(gradsAt[k], i));
            var pass = For(i, n, Expression.Assign(g, Expression.Add(g, scope.Build(op.Grads[k].Value))));
            passes.Add(Expression.IfThen(Expression.NotEqual(grads[k], Expression.Constant(null, typeof(T[]))), pass));
        }
        var block = Expression.Block(scope.Variables.Append(i), scope.Assignments.Concat(passes));
        return Expression.Lambda<BackwardLoop<T>>(block, $"{op.BackwardKernel}_{typeof(T).Name}",
            [saved[0], savedAt[0], saved[1], savedAt[1], dy, dyo, grads[0], gradsAt[0], grads[1], gradsAt[1], n, p[0], p[1], p[2]]).Compile();
    }

    /// <summary>for (i = 0; i &lt; n; i++) body;</summary>
    private static Expression For(ParameterExpression i, ParameterExpression n, Expression body)
    {
        var end = Expression.Label("end");
        return Expression.Block(
            Expression.Assign(i, Expression.Constant(0)),
            Expression.Loop(
                Expression.IfThenElse(Expression.LessThan(i, n), Expression.Block(body, Expression.PreIncrementAssign(i)), Expression.Break(end)),
                end));
    }

    /// <summary>The names an op's expressions read, and the parameters rounded to T once before the loop.</summary>
    private sealed class Scope<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Dictionary<string, ParameterExpression> _params = [];

        public Scope(ElementwiseOp op, ParameterExpression[] wire)
        {
            for (var k = 0; k < op.Params.Count; k++)
            {
                var v = Expression.Variable(typeof(T), op.Params[k]);
                _params[op.Params[k]] = v;
                Variables.Add(v);
                Assignments.Add(Expression.Assign(v, Expression.Convert(wire[k], typeof(T))));
            }
        }

        public Dictionary<string, Expression> Elements { get; } = [];

        public List<ParameterExpression> Variables { get; } = [];

        public List<Expression> Assignments { get; } = [];

        public Expression Build(Expr e) => e switch
        {
            Expr.Element el => Elements.TryGetValue(el.Name, out var a) ? a
                : throw new InvalidOperationException($"elementwise: '{el.Name}' is not readable here (an input the backward does not save?)."),
            Expr.Param p => _params[p.Name],
            Expr.Const c => Expression.Constant(T.CreateTruncating(c.Value), typeof(T)),
            Expr.Negate neg => Expression.Negate(Build(neg.A)),
            Expr.Select s => Expression.Condition(Build(s.Cond), Build(s.A), Build(s.B), typeof(T)),
            Expr.Call call => Expression.Call(Method(call.Function, call.Args.Count), call.Args.Select(Build)),
            Expr.Binary b => b.Op switch
            {
                "+" => Expression.Add(Build(b.A), Build(b.B)),
                "-" => Expression.Subtract(Build(b.A), Build(b.B)),
                "*" => Expression.Multiply(Build(b.A), Build(b.B)),
                "/" => Expression.Divide(Build(b.A), Build(b.B)),
                "<" => Expression.LessThan(Build(b.A), Build(b.B)),
                ">" => Expression.GreaterThan(Build(b.A), Build(b.B)),
                "<=" => Expression.LessThanOrEqual(Build(b.A), Build(b.B)),
                ">=" => Expression.GreaterThanOrEqual(Build(b.A), Build(b.B)),
                "&&" => Expression.AndAlso(Build(b.A), Build(b.B)),
                _ => throw new NotSupportedException($"elementwise: operator {b.Op}"),
            },
            _ => throw new NotSupportedException($"elementwise: {e.GetType().Name}"),
        };

        /// <summary>float.Exp / double.Exp and friends: the methods the hand-written loops called.</summary>
        private static System.Reflection.MethodInfo Method(Function f, int arity)
        {
            var types = Enumerable.Repeat(typeof(T), arity).ToArray();
            var method = typeof(T) == typeof(float) ? typeof(float).GetMethod(f.ToString(), types) : typeof(double).GetMethod(f.ToString(), types);
            return method ?? throw new NotSupportedException($"elementwise: {typeof(T).Name}.{f}({arity} arguments) not found.");
        }
    }
}
