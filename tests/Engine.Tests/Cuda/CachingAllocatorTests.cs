using Engine.Backends;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>The caching allocator on a stand-in device: reuse, statistics, EmptyCache and out-of-memory.</summary>
public class CachingAllocatorTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 512)]
    [InlineData(512, 512)]
    [InlineData(513, 1024)]
    [InlineData(1 << 20, 1 << 20)]
    [InlineData((1 << 20) + 1, 2 << 20)]
    [InlineData(5L << 20, 6L << 20)]
    public void SizeClasses(long request, long expected) => Assert.Equal(expected, CachingAllocator.SizeClass(request));

    [Fact]
    public void FreedBlocksAreReusedWithoutTheDriver()
    {
        var queue = new CheckingQueue();
        var allocator = new CachingAllocator(queue);
        var a = allocator.Allocate(1000);
        allocator.Free(a.Pointer, a.Size);
        var b = allocator.Allocate(900);                 // same 1024-byte class
        Assert.Equal(a.Pointer, b.Pointer);
        Assert.Equal(1, queue.DriverAllocs);
        var c = allocator.Allocate(3000);                // another class: a new block
        Assert.NotEqual(b.Pointer, c.Pointer);
        Assert.Equal(2, queue.DriverAllocs);
        var stats = allocator.Stats;
        Assert.Equal(1024 + 3072, stats.AllocatedBytes);
        Assert.Equal(1024 + 3072, stats.ReservedBytes);
        Assert.Equal(2, stats.DriverAllocations);
    }

    [Fact]
    public void StatisticsTrackAllocatedReservedAndPeak()
    {
        var queue = new CheckingQueue();
        var allocator = new CachingAllocator(queue);
        var blocks = Enumerable.Range(1, 4).Select(i => allocator.Allocate(i * 4096)).ToList();
        var peak = allocator.Stats.AllocatedBytes;
        foreach (var b in blocks) allocator.Free(b.Pointer, b.Size);
        var stats = allocator.Stats;
        Assert.Equal(0, stats.AllocatedBytes);
        Assert.Equal(peak, stats.ReservedBytes);
        Assert.Equal(peak, stats.PeakAllocatedBytes);
        Assert.Equal(4, stats.CachedBlocks);
        allocator.EmptyCache();
        Assert.Equal(0, allocator.Stats.ReservedBytes);
        Assert.Equal(0, allocator.Stats.CachedBlocks);
        Assert.Equal(4, queue.DriverFrees);
        Assert.True(queue.Syncs >= 1, "EmptyCache must wait for queued work before freeing");
        Assert.Equal(0, queue.InUse);
    }

    [Fact]
    public void OutOfMemoryEmptiesTheCacheThenThrowsWithNumbers()
    {
        var queue = new CheckingQueue(capacityBytes: 8 << 20);
        var allocator = new CachingAllocator(queue);
        var big = allocator.Allocate(6 << 20);
        allocator.Free(big.Pointer, big.Size);            // cached: the device is "full" of cache
        var other = allocator.Allocate(4 << 20);          // needs the cache emptied first
        Assert.Equal(1, queue.DriverFrees);
        var e = Assert.Throws<CudaOutOfMemoryException>(() => allocator.Allocate(6 << 20));
        Assert.Equal(6L << 20, e.RequestedBytes);
        Assert.Equal(8L << 20, e.TotalBytes);
        Assert.Equal(4L << 20, e.FreeBytes);
        Assert.Contains("6 MiB", e.Message);
        Assert.Contains("cuda:7", e.Message);
        allocator.Free(other.Pointer, other.Size);
        var again = allocator.Allocate(6 << 20);          // and it works again afterwards
        Assert.NotEqual(0UL, again.Pointer);
    }

    [Fact]
    public void TensorsReturnTheirBlocksOnDispose()
    {
        var backend = new CudaBackend(new CheckingQueue());
        for (var i = 0; i < 100; i++)
        {
            using var t = new Tensor(backend.Allocate(DType.Float32, 1000 + i % 7), new Shape(1000 + i % 7));
        }
        var stats = backend.MemoryStats;
        Assert.Equal(0, stats.AllocatedBytes);
        Assert.Equal(1, stats.DriverAllocations);        // 1000..1006 floats share one 4096-byte class
        Assert.Equal(4096, stats.PeakAllocatedBytes);
    }

    [Fact]
    public void CopiesRoundTripThroughDeviceMemory()
    {
        var backend = new CudaBackend(new CheckingQueue());
        var host = Tensor.FromArray(new[] { 1f, -2f, 3.5f, 4f, 5f }, 5);
        var gpu = CudaTestSupport.ToBackend(host, backend);
        Assert.Equal(host.ToArray<float>(), gpu.ToArray<float>());
        backend.Fill(gpu, 2.5, 3);
        Assert.Equal(new[] { 2.5f, 2.5f, 2.5f, 4f, 5f }, gpu.ToArray<float>());
        var ints = new Tensor(backend.Allocate(DType.Int32, 4), new Shape(4));
        backend.Fill(ints, -3, 4);
        Assert.Equal(new[] { -3, -3, -3, -3 }, ints.ToArray<int>());
        var copy = new Tensor(backend.Allocate(DType.Float32, 5), new Shape(5));
        backend.Copy(gpu, copy, 5);
        Assert.Equal(gpu.ToArray<float>(), copy.ToArray<float>());
    }

    [Fact]
    public void Float64BuffersExistForMetricsButKernelsRefuseThem()
    {
        var backend = new CudaBackend(new CheckingQueue());
        var acc = CudaTestSupport.ToBackend(Tensor.FromArray(new[] { 3.5, -1.0, 2.0 }), backend);
        var copy = new Tensor(backend.Allocate(DType.Float64, 3), new Shape(3));
        backend.Copy(acc, copy, 3);
        Assert.Equal(new[] { 3.5, -1.0, 2.0 }, copy.ToArray<double>());
        backend.Fill(acc, 0, 3);                           // zero is a memset, no kernel
        Assert.Equal(new double[3], acc.ToArray<double>());
        var e = Assert.Throws<NotSupportedException>(() => backend.ReluForward(acc, copy, 3));
        Assert.Contains("relu_forward", e.Message);
        Assert.Contains("float64", e.Message);
        Assert.Contains("Device.Cpu", e.Message);
    }
}
