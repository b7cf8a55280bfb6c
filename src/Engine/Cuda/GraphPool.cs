namespace Engine.Cuda;

/// <summary>The private memory of one captured graph (see <see cref="CachingAllocator.BeginCapture"/>).
/// A graph bakes the device addresses of its temporaries into its kernels, so every block handed out
/// during its capture stays the graph's until the graph is disposed: freed blocks come back here (and
/// are reused by later allocations of the same capture, which is safe because the capture replays in
/// the same linear order), never to the general cache where other tensors could take them. The
/// allocator's lock guards every field.</summary>
internal sealed class GraphPool
{
    /// <summary>Free blocks of the pool by size class.</summary>
    internal readonly Dictionary<long, Stack<ulong>> Free = new();

    /// <summary>Bytes of the blocks this pool owns, live or free.</summary>
    internal long Bytes;

    /// <summary>Set when the graph is gone: free blocks went to the general cache, live ones follow when freed.</summary>
    internal bool Released;

    public long OwnedBytes => Interlocked.Read(ref Bytes);
}
