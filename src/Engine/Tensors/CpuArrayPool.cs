using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Engine.Tensors;

/// <summary>Reuses the arrays behind CPU tensors. A training step creates the same intermediate
/// shapes every time, so once the first step has run, every array the next one asks for is
/// already here: steady-state training allocates (almost) no managed memory and the garbage
/// collector — and its large-object heap — stays quiet.
///
/// Arrays are bucketed by (dtype, exact length): kernels treat a CPU tensor's array as the whole
/// tensor, so a longer array must never be handed out. A rented array is NOT zeroed: it holds
/// whatever its last owner left (like memory from the CUDA caching allocator), and
/// <see cref="Tensor.Empty"/> callers write every element; <see cref="Tensor.Zeros"/> fills.
/// Arrays the caller owns (<see cref="Tensor.Wrap{T}"/>) never come here. The pool keeps at most
/// <see cref="MaxBytes"/>; arrays returned beyond that are left to the garbage collector, and so are
/// arrays of a length nobody asked for in <see cref="IdleLifetime"/> (checked at full collections,
/// so a shape used once — a last partial batch — does not stay forever).</summary>
public sealed class CpuArrayPool
{
    /// <summary>The pool every <see cref="CpuStorage"/> rents from.</summary>
    public static CpuArrayPool Shared { get; } = new(DefaultMaxBytes());

    private readonly ConcurrentDictionary<long, Bucket> _buckets = new();
    private long _maxBytes;
    private long _pooledBytes;
    private long _pooledArrays;
    private long _rented;
    private long _reused;
    private long _returned;
    private long _dropped;

    public CpuArrayPool(long maxBytes)
    {
        MaxBytes = maxBytes;
        _ = new TrimOnFullCollection(this);
    }

    /// <summary>Upper bound on the bytes held for reuse (0 turns pooling off). Lowering it does not
    /// evict at once; call <see cref="Clear"/> for that.</summary>
    public long MaxBytes
    {
        get => Volatile.Read(ref _maxBytes);
        set => Volatile.Write(ref _maxBytes, value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxBytes must be >= 0."));
    }

    /// <summary>A length not rented or returned for this long is released at the next full
    /// (generation 2) garbage collection. Steady training touches every length each step.</summary>
    public TimeSpan IdleLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Counters since the pool was created (Rented counts every request, Reused the ones
    /// served from the pool) and what it holds now.</summary>
    public CpuArrayPoolStatistics Statistics => new(
        Interlocked.Read(ref _rented), Interlocked.Read(ref _reused), Interlocked.Read(ref _returned), Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _pooledArrays), Interlocked.Read(ref _pooledBytes));

    /// <summary>An array of exactly <paramref name="length"/> elements, reused when one is pooled.
    /// Its contents are unspecified (NaN / a sentinel while poisoning is on).</summary>
    internal Array Rent(DType dtype, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Interlocked.Increment(ref _rented);
        if (length == 0) return EmptyOf(dtype);
        Array? array = null;
        if (_buckets.TryGetValue(Key(dtype, length), out var bucket) && bucket.TryPop(out array))
        {
            Interlocked.Increment(ref _reused);
            Interlocked.Decrement(ref _pooledArrays);
            Interlocked.Add(ref _pooledBytes, -Bytes(dtype, length));
        }
        array ??= dtype switch
        {
            DType.Float32 => new float[length],
            DType.Float64 => new double[length],
            DType.Int32 => new int[length],
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
        };
        if (PoisonEnabled) Poison(array);
        return array;
    }

    /// <summary>Gives back an array that came from <see cref="Rent"/> and is no longer used by anyone.</summary>
    internal void Return(Array array)
    {
        var dtype = DTypeOf(array);
        var length = array.Length;
        if (length == 0) return;
        Interlocked.Increment(ref _returned);
        if (PoisonEnabled) Poison(array); // a read through a stale span now shows up as NaN
        var bytes = Bytes(dtype, length);
        if (Interlocked.Add(ref _pooledBytes, bytes) > MaxBytes)
        {
            Interlocked.Add(ref _pooledBytes, -bytes);
            Interlocked.Increment(ref _dropped);
            return;
        }
        Interlocked.Increment(ref _pooledArrays);
        _buckets.GetOrAdd(Key(dtype, length), static _ => new Bucket()).Push(array);
    }

    /// <summary>Lets go of every pooled array (the garbage collector reclaims them); the counters stay.</summary>
    public void Clear()
    {
        foreach (var (_, bucket) in _buckets)
        {
            var (arrays, bytes) = bucket.Drain();
            Interlocked.Add(ref _pooledArrays, -arrays);
            Interlocked.Add(ref _pooledBytes, -bytes);
        }
    }

    /// <summary>Releases the arrays of every length idle since before <paramref name="nowMs"/> - IdleLifetime
    /// (<see cref="Environment.TickCount64"/> milliseconds).</summary>
    internal void TrimIdle(long nowMs)
    {
        var cutoff = nowMs - (long)IdleLifetime.TotalMilliseconds;
        foreach (var (_, bucket) in _buckets)
        {
            if (bucket.LastUsedMs > cutoff) continue;
            var (arrays, bytes) = bucket.Drain();
            Interlocked.Add(ref _pooledArrays, -arrays);
            Interlocked.Add(ref _pooledBytes, -bytes);
        }
    }

    /// <summary>An unreachable object whose finalizer runs after garbage collections (once it is old,
    /// only after full ones) and trims the pool, then re-registers itself. It holds the pool through
    /// a weak GC handle (a struct, so unlike a WeakReference it cannot be finalized first), and a
    /// pool made by a test can still be collected.</summary>
    private sealed class TrimOnFullCollection(CpuArrayPool pool)
    {
        private GCHandle _pool = GCHandle.Alloc(pool, GCHandleType.Weak);

        ~TrimOnFullCollection()
        {
            if (_pool.Target is not CpuArrayPool p)
            {
                _pool.Free();
                return;
            }
            p.TrimIdle(Environment.TickCount64);
            GC.ReRegisterForFinalize(this);
        }
    }

    // ---- poisoning -------------------------------------------------------------------------------

    /// <summary>ENGINE_CPU_POOL_POISON=1 fills every rented and returned array with NaN (float32,
    /// float64) or <see cref="IntPoison"/> (int32), so code that reads an Empty tensor before
    /// writing it — or reads a tensor after disposing it — produces NaN instead of a quiet zero.</summary>
    public const string PoisonVariable = "ENGINE_CPU_POOL_POISON";

    /// <summary>What int32 arrays are poisoned with: an index that is out of range everywhere.</summary>
    public const int IntPoison = unchecked((int)0xDEADBEEF);

    private static readonly bool PoisonFromEnvironment = Environment.GetEnvironmentVariable(PoisonVariable) == "1";
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

    /// <summary>The free arrays of one (dtype, length): a stack under a lock held for a few
    /// instructions (the data loader's threads and the GEMM's may rent at the same time).</summary>
    private sealed class Bucket
    {
        private readonly Lock _lock = new();
        private Array[] _items = new Array[4];
        private int _count;

        /// <summary>Environment.TickCount64 at the last push or pop.</summary>
        public long LastUsedMs { get; private set; } = Environment.TickCount64;

        public bool TryPop(out Array? array)
        {
            lock (_lock)
            {
                LastUsedMs = Environment.TickCount64;
                if (_count == 0)
                {
                    array = null;
                    return false;
                }
                array = _items[--_count];
                _items[_count] = null!;
                return true;
            }
        }

        public void Push(Array array)
        {
            lock (_lock)
            {
                LastUsedMs = Environment.TickCount64;
                if (_count == _items.Length) Array.Resize(ref _items, _count * 2);
                _items[_count++] = array;
            }
        }

        public (long Arrays, long Bytes) Drain()
        {
            lock (_lock)
            {
                long bytes = 0;
                for (var i = 0; i < _count; i++)
                {
                    bytes += Bytes(DTypeOf(_items[i]), _items[i].Length);
                    _items[i] = null!;
                }
                var arrays = _count;
                _count = 0;
                return (arrays, bytes);
            }
        }
    }
}

/// <summary>A snapshot of <see cref="CpuArrayPool"/>'s counters.</summary>
/// <param name="Rented">Arrays asked for.</param>
/// <param name="Reused">Requests served from the pool (Rented - Reused were fresh allocations).</param>
/// <param name="Returned">Arrays given back.</param>
/// <param name="Dropped">Returned arrays not kept because the pool was at <see cref="CpuArrayPool.MaxBytes"/>.</param>
/// <param name="PooledArrays">Arrays held now.</param>
/// <param name="PooledBytes">Bytes held now.</param>
public readonly record struct CpuArrayPoolStatistics(long Rented, long Reused, long Returned, long Dropped, long PooledArrays, long PooledBytes);
