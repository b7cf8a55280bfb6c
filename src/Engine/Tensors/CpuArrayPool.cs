using System.Collections.Concurrent;
using System.Numerics;

namespace Engine.Tensors;

/// <summary>Reuses the arrays behind CPU tensors. A training step creates the same intermediate
/// shapes every time, so once the first step has run, every array the next one asks for is
/// already here: steady-state training allocates (almost) no managed memory and the garbage
/// collector — and its large-object heap — stays quiet.
///
/// Arrays come in size classes (<see cref="ClassLength"/>: four per octave, so at most a quarter
/// longer than asked): a tensor reads its elements through <see cref="CpuStorage.Span{T}"/>, which
/// slices the array to the tensor's length, so shapes of similar size share arrays. A rented array
/// is NOT zeroed: it holds whatever its last owner left (like memory from the CUDA caching
/// allocator), and <see cref="Tensor.Empty"/> callers write every element; <see cref="Tensor.Zeros"/>
/// fills. Arrays the caller owns (<see cref="Tensor.Wrap{T}"/>) never come here.
///
/// Retained memory: the pool holds at most <see cref="MaxBytes"/> (counted in whole class-length
/// arrays); an array returned beyond that is left to the garbage collector. Nothing is released on a
/// timer: <see cref="Clear"/> lets go of everything (e.g. after training).
///
/// Poisoning (<see cref="PoisonVariable"/>) fills arrays with NaN on the way out and back, and
/// holds each returned array back for <see cref="QuarantineArrays"/> returns, so a span kept after
/// its tensor was disposed reads NaN rather than the next tensor's values.</summary>
public sealed class CpuArrayPool
{
    /// <summary>The pool every <see cref="CpuStorage"/> rents from.</summary>
    public static CpuArrayPool Shared { get; } = new(DefaultMaxBytes());

    private readonly ConcurrentDictionary<long, ArrayStack> _classes = new();
    private readonly ArrayQuarantine _quarantine = new(QuarantineArrays);
    private long _maxBytes;
    private long _pooledBytes;
    private long _pooledArrays;
    private long _rented;
    private long _reused;
    private long _returned;
    private long _dropped;

    private readonly bool? _poison;

    /// <param name="maxBytes">See <see cref="MaxBytes"/>.</param>
    /// <param name="poison">Poison this pool's arrays always (true), never (false), or while
    /// <see cref="PoisonEnabled"/> (null, the shared pool).</param>
    public CpuArrayPool(long maxBytes, bool? poison = null)
    {
        MaxBytes = maxBytes;
        _poison = poison;
    }

    /// <summary>Whether this pool poisons (and quarantines) the arrays it hands out and takes back now.</summary>
    public bool Poisoning => _poison ?? PoisonEnabled;

    /// <summary>Upper bound on the bytes held for reuse (0 turns pooling off). Lowering it does not
    /// evict at once; call <see cref="Clear"/> for that.</summary>
    public long MaxBytes
    {
        get => Volatile.Read(ref _maxBytes);
        set => Volatile.Write(ref _maxBytes, value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxBytes must be >= 0."));
    }

    /// <summary>Counters since the pool was created (Rented counts every request, Reused the ones
    /// served from the pool) and what it holds now.</summary>
    public CpuArrayPoolStatistics Statistics => new(
        Interlocked.Read(ref _rented), Interlocked.Read(ref _reused), Interlocked.Read(ref _returned), Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _pooledArrays), Interlocked.Read(ref _pooledBytes));

    /// <summary>The array length that serves a request for <paramref name="length"/> elements: up to
    /// 16 one class; above, the length rounded up to a quarter of its octave (for 2^e &lt; n ≤ 2^(e+1)
    /// a multiple of 2^(e-2): 5/4, 6/4, 7/4 or 8/4 of 2^e), so at most 25% is unused.</summary>
    public static int ClassLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= 16) return length == 0 ? 0 : 16;
        var step = 1L << (BitOperations.Log2((uint)(length - 1)) - 2);
        var rounded = (length + step - 1) / step * step;
        return rounded <= Array.MaxLength ? (int)rounded : length; // the largest arrays: exactly as asked
    }

    /// <summary>An array of at least <paramref name="length"/> elements (<see cref="ClassLength"/> of
    /// it), reused when one is pooled. Its contents are unspecified (NaN / a sentinel while poisoning
    /// is on).</summary>
    internal Array Rent(DType dtype, int length)
    {
        var classLength = ClassLength(length);
        Interlocked.Increment(ref _rented);
        if (classLength == 0) return EmptyOf(dtype);
        Array? array = null;
        if (_classes.TryGetValue(Key(dtype, classLength), out var stack) && stack.TryPop(out array))
        {
            Interlocked.Increment(ref _reused);
            Interlocked.Decrement(ref _pooledArrays);
            Interlocked.Add(ref _pooledBytes, -Bytes(dtype, classLength));
        }
        array ??= dtype switch
        {
            DType.Float32 => new float[classLength],
            DType.Float64 => new double[classLength],
            DType.Int32 => new int[classLength],
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
        };
        if (Poisoning) Poison(array);
        return array;
    }

    /// <summary>Gives back an array that came from <see cref="Rent"/> and is no longer used by anyone.</summary>
    internal void Return(Array array)
    {
        _ = DTypeOf(array);
        if (array.Length == 0) return;
        Interlocked.Increment(ref _returned);
        if (Poisoning)
        {
            Poison(array); // a read through a stale span now shows up as NaN...
            var released = _quarantine.Swap(array); // ...and keeps doing so while the next returns go by
            if (released is not null) Keep(released);
            return;
        }
        if (_quarantine.Count > 0) // poisoning was switched off: the waiting arrays are free now
            foreach (var waiting in _quarantine.Drain()) Keep(waiting);
        Keep(array);
    }

    private void Keep(Array array)
    {
        var dtype = DTypeOf(array);
        var length = array.Length;
        var bytes = Bytes(dtype, length);
        if (Interlocked.Add(ref _pooledBytes, bytes) > MaxBytes)
        {
            Interlocked.Add(ref _pooledBytes, -bytes);
            Interlocked.Increment(ref _dropped);
            return;
        }
        Interlocked.Increment(ref _pooledArrays);
        _classes.GetOrAdd(Key(dtype, length), static _ => new ArrayStack()).Push(array);
    }

    /// <summary>Lets go of every pooled array (the garbage collector reclaims them); the counters stay.</summary>
    public void Clear()
    {
        _quarantine.Drain();
        foreach (var (_, stack) in _classes)
        {
            var (arrays, bytes) = stack.Drain();
            Interlocked.Add(ref _pooledArrays, -arrays);
            Interlocked.Add(ref _pooledBytes, -bytes);
        }
    }

    // ---- poisoning -------------------------------------------------------------------------------

    /// <summary>ENGINE_CPU_POOL_POISON=1 fills every rented and returned array with NaN (float32,
    /// float64) or <see cref="IntPoison"/> (int32), so code that reads an Empty tensor before
    /// writing it — or reads a tensor after disposing it — produces NaN instead of a quiet zero or
    /// another tensor's values. CI runs the whole suite once with it on.</summary>
    public const string PoisonVariable = "ENGINE_CPU_POOL_POISON";

    /// <summary>While poisoning, a returned array is rented out again only after this many later
    /// returns: the pool hands arrays out last-in first-out, so without the wait the next tensor
    /// would get the array at once, overwrite the poison, and a stale span would read its values.</summary>
    public const int QuarantineArrays = 16;

    /// <summary>What int32 arrays are poisoned with: an index that is out of range everywhere.</summary>
    public const int IntPoison = unchecked((int)0xDEADBEEF);

    /// <summary>True when the process started with <see cref="PoisonVariable"/>=1.</summary>
    public static bool PoisonFromEnvironment { get; } = Environment.GetEnvironmentVariable(PoisonVariable) == "1";

    private static int _poisonScopes;

    /// <summary>True while arrays are poisoned: the environment variable, or an open <see cref="PoisonScope"/>.</summary>
    public static bool PoisonEnabled => PoisonFromEnvironment || Volatile.Read(ref _poisonScopes) > 0;

    /// <summary>Turns poisoning on (process-wide) until the handle is disposed; scopes nest and may
    /// overlap across threads (tests running in parallel).</summary>
    internal static IDisposable PoisonScope()
    {
        Interlocked.Increment(ref _poisonScopes);
        return new PoisonHandle();
    }

    private sealed class PoisonHandle : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref _poisonScopes);
        }
    }

    private static void Poison(Array array)
    {
        switch (array)
        {
            case float[] f: f.AsSpan().Fill(float.NaN); break;
            case double[] d: d.AsSpan().Fill(double.NaN); break;
            case int[] i: i.AsSpan().Fill(IntPoison); break;
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /// <summary>1 GiB, or a quarter of the memory the GC may use if that is less;
    /// ENGINE_CPU_POOL_MAX_MB overrides it (0 turns pooling off).</summary>
    private static long DefaultMaxBytes()
    {
        if (long.TryParse(Environment.GetEnvironmentVariable("ENGINE_CPU_POOL_MAX_MB"), out var mb) && mb >= 0) return mb << 20;
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return available > 0 ? Math.Min(1L << 30, available / 4) : 1L << 30;
    }

    private static long Key(DType dtype, int length) => ((long)length << 8) | (long)dtype;

    private static long Bytes(DType dtype, int length) => (long)length * dtype.SizeInBytes();

    private static Array EmptyOf(DType dtype) => dtype switch
    {
        DType.Float32 => Array.Empty<float>(),
        DType.Float64 => Array.Empty<double>(),
        DType.Int32 => Array.Empty<int>(),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    private static DType DTypeOf(Array array) => array switch
    {
        float[] => DType.Float32,
        double[] => DType.Float64,
        int[] => DType.Int32,
        _ => throw new ArgumentException($"Arrays of {array.GetType().GetElementType()?.Name} are not pooled; expected float[], double[] or int[]."),
    };
}

/// <summary>A snapshot of <see cref="CpuArrayPool"/>'s counters.</summary>
/// <param name="Rented">Arrays asked for.</param>
/// <param name="Reused">Requests served from the pool (Rented - Reused were fresh allocations).</param>
/// <param name="Returned">Arrays given back.</param>
/// <param name="Dropped">Returned arrays not kept because the pool was at <see cref="CpuArrayPool.MaxBytes"/>.</param>
/// <param name="PooledArrays">Arrays held now.</param>
/// <param name="PooledBytes">Bytes held now (whole class-length arrays).</param>
public readonly record struct CpuArrayPoolStatistics(long Rented, long Reused, long Returned, long Dropped, long PooledArrays, long PooledBytes);
