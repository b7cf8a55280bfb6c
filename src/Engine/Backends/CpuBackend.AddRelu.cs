using System.Numerics;
using System.Runtime.CompilerServices;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The fused residual join relu(a + b) (kernels/add_relu.cu): float32 in fixed chunks of
/// <see cref="SimdChunk"/> elements on both cores (per element, so bitwise the one-thread loop on any
/// split), float64 the plain loops.</summary>
public sealed partial class CpuBackend
{
    public void AddReluForward(Tensor a, Tensor b, Tensor y, int n) => FloatDispatch.Run(a, new AddReluKernel(a, b, y, null, null, n, false, false, Backward: false));

    public void AddReluBackward(Tensor y, Tensor dy, Tensor? da, Tensor? db, int n) => FloatDispatch.Run(y, new AddReluKernel(y, dy, null, da, db, n, false, false, Backward: true));

    /// <summary>The float32 backward; with <paramref name="assignA"/> / <paramref name="assignB"/> that gradient
    /// is overwritten (its first writer) instead of added to. When da and db are one buffer, da is written
    /// before db adds to it, element by element.</summary>
    internal static void AddReluBackwardFloat(Tensor y, Tensor dy, Tensor? da, bool assignA, Tensor? db, bool assignB, int n) =>
        RunAddRelu(new AddReluKernel(y, dy, null, da, db, n, assignA, assignB, Backward: true));

    /// <summary>Forward: First = a, Second = b, Y = y. Backward: First = y, Second = dy, Da/Db the gradients.</summary>
    private readonly record struct AddReluKernel(Tensor First, Tensor Second, Tensor? Y, Tensor? Da, Tensor? Db, int N, bool AssignA, bool AssignB, bool Backward) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float)) RunAddRelu(this);
            else if (Backward) AddReluGrad<T>(First, Second, Da, Db, N);
            else AddRelu<T>(First, Second, Y!, N);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RunChunk(int start, int length)
        {
            var p = First.Span<float>().Slice(start, length);
            var q = Second.Span<float>().Slice(start, length);
            if (!Backward)
            {
                SimdFloat.AddRelu(p, q, Y!.Span<float>().Slice(start, length));
                return;
            }
            if (Da is not null && Db is not null)
            {
                SimdFloat.MaskTwice(p, q, Da.Span<float>().Slice(start, length), AssignA, Db.Span<float>().Slice(start, length), AssignB);
                return;
            }
            if (Da is not null)
            {
                var da = Da.Span<float>().Slice(start, length);
                if (AssignA) SimdFloat.Mask(p, q, da);
                else SimdFloat.ReluBackward(p, q, da);
            }
            if (Db is not null)
            {
                var db = Db.Span<float>().Slice(start, length);
                if (AssignB) SimdFloat.Mask(p, q, db);
                else SimdFloat.ReluBackward(p, q, db);
            }
        }
    }

    private static void RunAddRelu(AddReluKernel k)
    {
        var chunks = (k.N + SimdChunk - 1) / SimdChunk;
        if (chunks < 2)
        {
            k.RunChunk(0, k.N);
            return;
        }
        CpuParallel.ForEachPlane(chunks, SimdChunk, k, static (j, chunk) =>
        {
            var start = chunk * SimdChunk;
            j.RunChunk(start, Math.Min(SimdChunk, j.N - start));
        });
    }

    private static void AddRelu<T>(Tensor at, Tensor bt, Tensor yt, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = at.Span<T>();
        var b = bt.Span<T>();
        var y = yt.Span<T>();
        for (var i = 0; i < n; i++)
        {
            var v = a[i] + b[i];
            y[i] = v <= T.Zero ? T.Zero : v;
        }
    }

    private static void AddReluGrad<T>(Tensor yt, Tensor dyt, Tensor? dat, Tensor? dbt, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = yt.Span<T>();
        var dy = dyt.Span<T>();
        var da = dat is null ? default : dat.Span<T>();
        var db = dbt is null ? default : dbt.Span<T>();
        for (var i = 0; i < n; i++)
        {
            var dz = y[i] > T.Zero ? dy[i] : T.Zero;
            if (dat is not null) da[i] += dz;
            if (dbt is not null) db[i] += dz;
        }
    }
}
