using Engine.Tensors;

namespace Engine.Models;

/// <summary>Batches cut from whole arrays held on the host (Keras's fit(x, y)); one x per model input.
/// A batch lives only for its step (Fit and Evaluate release it before asking for the next), so one
/// enumeration at a time reuses the row order, the input array and the targets dictionary: cutting
/// a batch allocates nothing once warm.</summary>
internal sealed class ArraySource(IReadOnlyList<Tensor> x, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight, int batchSize, bool shuffle) : IBatchSource
{
    private readonly KeyValuePair<string, Tensor>[] _targets = y.ToArray();
    private int[]? _order;
    private Tensor[]? _x;
    private Dictionary<string, Tensor>? _y;
    private bool _busy;

    public int Count => x[0].Shape[0];

    public int BatchCount => (Count + batchSize - 1) / batchSize;

    public IEnumerable<StepBatch> Batches(int epoch, Rng? rng, int firstBatch = 0)
    {
        var reuse = !_busy; // a second enumeration at the same time (none in the library) makes its own
        _busy = true;
        try
        {
            var order = reuse ? _order ??= new int[Count] : new int[Count];
            for (var i = 0; i < order.Length; i++) order[i] = i;
            if (shuffle && rng is not null) rng.Shuffle(order.AsSpan());
            var xs = reuse ? _x ??= new Tensor[x.Count] : new Tensor[x.Count];
            var ys = reuse ? _y ??= new Dictionary<string, Tensor>(_targets.Length) : new Dictionary<string, Tensor>(_targets.Length);
            for (var start = firstBatch * batchSize; start < Count; start += batchSize)
                yield return Cut(order, start, Math.Min(batchSize, Count - start), xs, ys);
        }
        finally
        {
            if (reuse)
            {
                _busy = false;
                if (_x is not null) Array.Clear(_x);
                _y?.Clear();
            }
        }
    }

    private StepBatch Cut(int[] order, int start, int count, Tensor[] xs, Dictionary<string, Tensor> ys)
    {
        var rows = order.AsSpan(start, count);
        for (var i = 0; i < xs.Length; i++) xs[i] = HostRows.Gather(x[i], rows);
        ys.Clear(); // the previous batch was released before this one was asked for
        foreach (var (name, t) in _targets) ys[name] = HostRows.Gather(t, rows);
        return new StepBatch(xs, ys, sampleWeight is null ? null : HostRows.Gather(sampleWeight, rows), Owned: true);
    }
}
