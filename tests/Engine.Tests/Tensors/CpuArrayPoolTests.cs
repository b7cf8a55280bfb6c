using Engine.Tensors;

namespace Engine.Tests.Tensors;

/// <summary>The pool's own bookkeeping, on private pool instances (no other test touches them).</summary>
public class CpuArrayPoolTests
{
    [Fact]
    public void ReturnedArrayIsReusedForTheSameDTypeAndLength()
    {
        var pool = new CpuArrayPool(1 << 20);
        var a = pool.Rent(DType.Float32, 10);
        Assert.IsType<float[]>(a);
        Assert.Equal(10, a.Length);
        pool.Return(a);
        Assert.Equal(new CpuArrayPoolStatistics(1, 0, 1, 0, 1, 40), pool.Statistics);

        // Another length or dtype never gets it: kernels read the array as the whole tensor.
        Assert.NotSame(a, pool.Rent(DType.Float32, 11));
        Assert.NotSame(a, pool.Rent(DType.Int32, 10));
        Assert.Same(a, pool.Rent(DType.Float32, 10));
        var s = pool.Statistics;
        Assert.Equal((4L, 1L, 0L, 0L), (s.Rented, s.Reused, s.PooledArrays, s.PooledBytes));
    }

    [Fact]
    public void KeepsAtMostMaxBytesAndClearEmptiesIt()
    {
        var pool = new CpuArrayPool(100);
        var arrays = new[] { pool.Rent(DType.Float64, 5), pool.Rent(DType.Float64, 5), pool.Rent(DType.Float64, 5) };
        foreach (var a in arrays) pool.Return(a); // 40 + 40 bytes fit, the third would make 120
        var s = pool.Statistics;
        Assert.Equal((3L, 1L, 2L, 80L), (s.Returned, s.Dropped, s.PooledArrays, s.PooledBytes));

        pool.Clear();
        s = pool.Statistics;
        Assert.Equal((0L, 0L), (s.PooledArrays, s.PooledBytes));
        var fresh = pool.Rent(DType.Float64, 5);
        Assert.DoesNotContain(arrays, a => ReferenceEquals(a, fresh));
        Assert.Equal(0, pool.Statistics.Reused);
    }

    [Fact]
    public void MaxBytesZeroTurnsPoolingOff()
    {
        var pool = new CpuArrayPool(0);
        var a = pool.Rent(DType.Int32, 3);
        pool.Return(a);
        Assert.NotSame(a, pool.Rent(DType.Int32, 3));
        Assert.Equal(1, pool.Statistics.Dropped);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.MaxBytes = -1);
    }

    [Fact]
    public void TrimReleasesOnlyLengthsIdleLongerThanTheLifetime()
    {
        var pool = new CpuArrayPool(1 << 20) { IdleLifetime = TimeSpan.FromSeconds(30) };
        var a = pool.Rent(DType.Float32, 8);
        pool.Return(a);
        pool.TrimIdle(Environment.TickCount64); // just used: stays
        Assert.Equal(1, pool.Statistics.PooledArrays);
        pool.TrimIdle(Environment.TickCount64 + 31_000); // as if 31 s later
        Assert.Equal((0L, 0L), (pool.Statistics.PooledArrays, pool.Statistics.PooledBytes));
        Assert.NotSame(a, pool.Rent(DType.Float32, 8));
    }

    [Fact]
    public void FullGarbageCollectionTrimsIdleLengths()
    {
        var pool = new CpuArrayPool(1 << 20) { IdleLifetime = TimeSpan.Zero };
        pool.Return(pool.Rent(DType.Float64, 9));
        Assert.Equal(1, pool.Statistics.PooledArrays);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal((0L, 0L), (pool.Statistics.PooledArrays, pool.Statistics.PooledBytes));
        GC.KeepAlive(pool);
    }

    [Fact]
    public void EmptyLengthNeedsNoArray()
    {
        var pool = new CpuArrayPool(1 << 20);
        Assert.Same(Array.Empty<double>(), pool.Rent(DType.Float64, 0));
        pool.Return(Array.Empty<double>());
        Assert.Equal(0, pool.Statistics.PooledArrays);
    }

    /// <summary>Threads rent and return a few lengths as fast as they can; each stamps the arrays it
    /// holds, so an array handed to two threads at once would be caught.</summary>
    [Fact]
    public void ConcurrentRentAndReturnNeverShareAnArray()
    {
        var pool = new CpuArrayPool(1 << 24);
        int[] lengths = [16, 17, 64, 1000];
        const int threads = 4, rounds = 20_000;
        var failures = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var rng = new Random(t);
            var held = new List<int[]>();
            for (var r = 0; r < rounds; r++)
            {
                if (held.Count < 3 && rng.Next(2) == 0)
                {
                    var a = (int[])pool.Rent(DType.Int32, lengths[rng.Next(lengths.Length)]);
                    a.AsSpan().Fill(t);
                    held.Add(a);
                }
                else if (held.Count > 0)
                {
                    var a = held[^1];
                    held.RemoveAt(held.Count - 1);
                    if (a.AsSpan().ContainsAnyExcept(t)) Interlocked.Increment(ref failures);
                    pool.Return(a);
                }
            }
            foreach (var a in held) pool.Return(a);
        });
        Assert.Equal(0, failures);
        var s = pool.Statistics;
        Assert.Equal(s.Rented, s.Returned);
        Assert.Equal(0, s.Dropped);
        Assert.Equal(s.Rented - s.Reused, s.PooledArrays); // every array ever made is back
        Assert.True(s.Reused > s.Rented / 2, $"expected most rents to reuse; {s}");

        // The byte counter matches what is really held: rent everything back out.
        var (pooledBytes, reusedBytes) = (s.PooledBytes, 0L);
        foreach (var len in lengths)
            while (true)
            {
                var before = pool.Statistics.Reused;
                pool.Rent(DType.Int32, len);
                if (pool.Statistics.Reused == before) break;
                reusedBytes += 4L * len;
            }
        Assert.Equal(pooledBytes, reusedBytes);
        Assert.Equal((0L, 0L), (pool.Statistics.PooledArrays, pool.Statistics.PooledBytes));
    }
}
