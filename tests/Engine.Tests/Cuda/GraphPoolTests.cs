using Engine.Cuda;

namespace Engine.Tests.Cuda;

/// <summary>The caching allocator's graph pools on a stand-in device: blocks handed out during a
/// capture belong to the graph, are reused within it, are never given to anyone else while the
/// graph exists, and join the general cache when it is disposed.</summary>
public class GraphPoolTests
{
    [Fact]
    public void BlocksFreedDuringCaptureAreReusedInsideItButNeverOutside()
    {
        var queue = new CheckingQueue();
        var allocator = new CachingAllocator(queue);
        var pool = allocator.BeginCapture();
        var a = allocator.Allocate(1000);
        allocator.Free(a.Pointer, a.Size);
        var b = allocator.Allocate(900);                 // same class, same capture: the pool's block again
        Assert.Equal(a.Pointer, b.Pointer);
        allocator.Free(b.Pointer, b.Size);
        allocator.EndCapture();

        var outside = allocator.Allocate(1000);          // the graph's free block is not for others
        Assert.NotEqual(a.Pointer, outside.Pointer);
        Assert.Equal(2, queue.DriverAllocs);
        Assert.Equal(1024, allocator.Stats.GraphPoolBytes);
        Assert.Equal(0, allocator.Stats.CachedBlocks);   // a pool block is not a cached block

        allocator.ReleasePool(pool);                     // graph disposed: its block joins the general cache
        Assert.Equal(0, allocator.Stats.GraphPoolBytes);
        var after = allocator.Allocate(1000);
        Assert.Equal(a.Pointer, after.Pointer);
        Assert.Equal(2, queue.DriverAllocs);
    }

    [Fact]
    public void ACaptureAdoptsCachedBlocksInsteadOfAskingTheDriver()
    {
        var queue = new CheckingQueue();
        var allocator = new CachingAllocator(queue);
        var warm = allocator.Allocate(4096);
        allocator.Free(warm.Pointer, warm.Size);          // cached from an eager step
        var pool = allocator.BeginCapture();
        var inGraph = allocator.Allocate(4000);
        Assert.Equal(warm.Pointer, inGraph.Pointer);
        Assert.Equal(1, queue.DriverAllocs);
        allocator.Free(inGraph.Pointer, inGraph.Size);
        allocator.EndCapture();

        var outside = allocator.Allocate(4000);           // adopted: now the graph's, so a new block
        Assert.NotEqual(warm.Pointer, outside.Pointer);
        Assert.Equal(2, queue.DriverAllocs);
        allocator.ReleasePool(pool);
    }

    [Fact]
    public void ABlockStillHeldWhenItsGraphIsDisposedGoesToTheGeneralCacheWhenFreed()
    {
        var queue = new CheckingQueue();
        var allocator = new CachingAllocator(queue);
        var pool = allocator.BeginCapture();
        var held = allocator.Allocate(2048);              // e.g. a buffer the capture created and kept
        allocator.EndCapture();
        allocator.ReleasePool(pool);
        Assert.Equal(2048, allocator.Stats.GraphPoolBytes);
        allocator.Free(held.Pointer, held.Size);
        Assert.Equal(0, allocator.Stats.GraphPoolBytes);
        Assert.Equal(1, allocator.Stats.CachedBlocks);
        Assert.Equal(held.Pointer, allocator.Allocate(2048).Pointer);
    }

    [Fact]
    public void EmptyCacheNeverFreesTheBlocksOfALiveGraph()
    {
        var queue = new CheckingQueue();
        var allocator = new CachingAllocator(queue);
        var pool = allocator.BeginCapture();
        var inGraph = allocator.Allocate(8192);
        allocator.Free(inGraph.Pointer, inGraph.Size);
        allocator.EndCapture();
        var eager = allocator.Allocate(512);
        allocator.Free(eager.Pointer, eager.Size);

        allocator.EmptyCache();
        Assert.Equal(1, queue.DriverFrees);               // the eager block only
        Assert.Equal(8192, allocator.Stats.ReservedBytes);
        allocator.ReleasePool(pool);
        allocator.EmptyCache();
        Assert.Equal(2, queue.DriverFrees);
        Assert.Equal(0, queue.InUse);
    }

    [Fact]
    public void OutOfMemoryDuringACaptureFailsWithoutWaitingForTheGpu()
    {
        var queue = new CheckingQueue(capacityBytes: 4 << 20);
        var allocator = new CachingAllocator(queue);
        queue.BeginCapture();
        allocator.BeginCapture();
        var e = Assert.Throws<CudaOutOfMemoryException>(() => allocator.Allocate(6 << 20));
        Assert.Equal(6L << 20, e.RequestedBytes);
        Assert.Equal(0, queue.Syncs);
        allocator.EndCapture();
        queue.AbortCapture();
    }

    [Fact]
    public void OnlyOneCaptureAtATime()
    {
        var allocator = new CachingAllocator(new CheckingQueue());
        allocator.BeginCapture();
        var e = Assert.Throws<InvalidOperationException>(() => allocator.BeginCapture());
        Assert.Contains("already being captured", e.Message);
    }
}
