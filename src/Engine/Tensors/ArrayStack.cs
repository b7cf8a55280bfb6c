namespace Engine.Tensors;

/// <summary>The free arrays of one (dtype, class length) in a <see cref="CpuArrayPool"/>: a stack under
/// a lock held for a few instructions (the data loader's threads and the GEMM's may rent at once).</summary>
internal sealed class ArrayStack
{
    private readonly Lock _lock = new();
    private Array[] _items = new Array[4];
    private int _count;

    public bool TryPop(out Array? array)
    {
        lock (_lock)
        {
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
                bytes += Buffer.ByteLength(_items[i]);
                _items[i] = null!;
            }
            var arrays = _count;
            _count = 0;
            return (arrays, bytes);
        }
    }
}
