namespace Engine.Tensors;

/// <summary>The last few arrays a poisoning <see cref="CpuArrayPool"/> took back, oldest first (a ring
/// under a lock): each waits there until <c>capacity</c> later returns have gone by.</summary>
internal sealed class ArrayQuarantine(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Array?[] _ring = new Array?[capacity];
    private int _next;
    private int _count;

    /// <summary>Arrays waiting now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Puts <paramref name="array"/> in and takes out the one it displaces (null while filling).</summary>
    public Array? Swap(Array array)
    {
        lock (_lock)
        {
            var oldest = _ring[_next];
            if (oldest is null) _count++;
            _ring[_next] = array;
            _next = (_next + 1) % _ring.Length;
            return oldest;
        }
    }

    public List<Array> Drain()
    {
        lock (_lock)
        {
            var arrays = new List<Array>();
            for (var i = 0; i < _ring.Length; i++)
            {
                if (_ring[i] is { } a) arrays.Add(a);
                _ring[i] = null;
            }
            _next = 0;
            _count = 0;
            return arrays;
        }
    }
}
