using Engine.Tensors;

namespace Engine.Tests.Tensors;

/// <summary>The pool's own bookkeeping, on private pool instances (no other test touches them). Each
/// says whether its pool poisons, so they count the same in CI's poisoned run (poisoning delays reuse).</summary>
public class CpuArrayPoolTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 16)]
    [InlineData(16, 16)]
    [InlineData(17, 20)]   // 2^4 < n ≤ 2^5: steps of 4
    [InlineData(20, 20)]
    [InlineData(21, 24)]
    [InlineData(32, 32)]
    [InlineData(33, 40)]
    [InlineData(1000, 1024)]
    [InlineData(1025, 1280)]
    [InlineData(5127, 6144)]
    [InlineData(1 << 20, 1 << 20)]
    [InlineData((1 << 20) + 1, 5 << 18)]
    [InlineData(int.MaxValue, int.MaxValue)] // no class fits under Array.MaxLength: exactly as asked
    public void ClassLengthRoundsUpToAQuarterOctave(int length, int expected) =>
        Assert.Equal(expected, CpuArrayPool.ClassLength(length));

    [Fact]
    public void ClassLengthWastesAtMostAQuarter()
    {
        for (var n = 17; n < 70_000; n++)
        {
            var c = CpuArrayPool.ClassLength(n);
            Assert.True(c >= n && c < n * 1.25, $"class {c} for {n}");
            Assert.Equal(c, CpuArrayPool.ClassLength(c)); // a class length is its own class
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuArrayPool.ClassLength(-1));
    }

    [Fact]
    public void ArrayIsReusedAcrossLengthsOfOneSizeClass()
    {
        var pool = new CpuArrayPool(1 << 20, poison: false);
        var a = pool.Rent(DType.Float32, 1100); // class 1280
        Assert.IsType<float[]>(a);
        Assert.Equal(1280, a.Length);
        pool.Return(a);
        Assert.Equal(new CpuArrayPoolStatistics(1, 0, 1, 0, 1, 1280 * 4), pool.Statistics);

        // Another class or dtype never gets it; any length of its class does.
        Assert.NotSame(a, pool.Rent(DType.Float32, 1281));
        Assert.NotSame(a, pool.Rent(DType.Int32, 1100));
        Assert.Same(a, pool.Rent(DType.Float32, 1250));
        var s = pool.Statistics;
        Assert.Equal((4L, 1L, 0L, 0L), (s.Rented, s.Reused, s.PooledArrays, s.PooledBytes));
    }

    /// <summary>The policy for retained memory: at most MaxBytes, counted in whole class-length
    /// arrays; what does not fit is dropped; Clear lets go of everything.</summary>
    [Fact]
    public void KeepsAtMostMaxBytesAndClearEmptiesIt()
    {
        var pool = new CpuArrayPool(300, poison: false);
        var arrays = new[] { pool.Rent(DType.Float64, 17), pool.Rent(DType.Float64, 18), pool.Rent(DType.Float64, 20) };
        Assert.All(arrays, a => Assert.Equal(20, a.Length)); // 160 bytes each
        foreach (var a in arrays) pool.Return(a); // the first fits, the second would make 320
        var s = pool.Statistics;
        Assert.Equal((3L, 2L, 1L, 160L), (s.Returned, s.Dropped, s.PooledArrays, s.PooledBytes));

        pool.Clear();
        s = pool.Statistics;
        Assert.Equal((0L, 0L), (s.PooledArrays, s.PooledBytes));
        var fresh = pool.Rent(DType.Float64, 20);
        Assert.DoesNotContain(arrays, a => ReferenceEquals(a, fresh));
        Assert.Equal(0, pool.Statistics.Reused);
    }

    /// <summary>A long run touching many shapes stays under MaxBytes: what the pool holds never
    /// exceeds it, whatever is returned.</summary>
    [Fact]
    public void RetainedBytesStayBoundedUnderManyShapes()
    {
        var pool = new CpuArrayPool(64 << 10, poison: false);
        var rng = new Random(3);
        for (var round = 0; round < 200; round++)
        {
            var held = Enumerable.Range(0, 8).Select(_ => pool.Rent(DType.Float32, rng.Next(1, 5000))).ToList();
            foreach (var a in held) pool.Return(a);
            Assert.True(pool.Statistics.PooledBytes <= pool.MaxBytes, $"round {round}: {pool.Statistics}");
        }
        Assert.True(pool.Statistics.Dropped > 0);
    }

    [Fact]
    public void MaxBytesZeroTurnsPoolingOff()
    {
        var pool = new CpuArrayPool(0, poison: false);
        var a = pool.Rent(DType.Int32, 3);
        pool.Return(a);
        Assert.NotSame(a, pool.Rent(DType.Int32, 3));
        Assert.Equal(1, pool.Statistics.Dropped);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.MaxBytes = -1);
    }

    [Fact]
    public void EmptyLengthNeedsNoArray()
    {
        var pool = new CpuArrayPool(1 << 20, poison: false);
        Assert.Same(Array.Empty<double>(), pool.Rent(DType.Float64, 0));
        pool.Return(Array.Empty<double>());
        Assert.Equal(0, pool.Statistics.PooledArrays);
    }

    /// <summary>While poisoning, a returned array is NaN and is not handed out again until
    /// QuarantineArrays later returns have gone by (then it is, poisoned again).</summary>
    [Fact]
    public void PoisonedArrayWaitsInQuarantineBeforeReuse()
    {
        var pool = new CpuArrayPool(1 << 24, poison: true);
        var a = (float[])pool.Rent(DType.Float32, 100);
        a.AsSpan().Fill(1f);
        pool.Return(a);
        Assert.All(a, v => Assert.True(float.IsNaN(v)));

        var others = new List<Array>();
        for (var i = 0; i < CpuArrayPool.QuarantineArrays - 1; i++)
        {
            var b = pool.Rent(DType.Float32, 100);
            Assert.NotSame(a, b);
            others.Add(b);
        }
        foreach (var b in others) pool.Return(b); // a is the oldest: the last of these releases it
        Assert.True(pool.Statistics.PooledArrays == 0, "nothing leaves quarantine before 16 returns");
        pool.Return(pool.Rent(DType.Float32, 100));
        Assert.Equal(1, pool.Statistics.PooledArrays);
        var again = (float[])pool.Rent(DType.Float32, 100);
        Assert.Same(a, again);
        Assert.All(again, v => Assert.True(float.IsNaN(v)));
    }

    /// <summary>Threads rent and return a few lengths as fast as they can; each stamps the arrays it
    /// holds, so an array handed to two threads at once would be caught.</summary>
    [Fact]
    public void ConcurrentRentAndReturnNeverShareAnArray()
    {
        var pool = new CpuArrayPool(1 << 24, poison: false);
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
                var a = pool.Rent(DType.Int32, len);
                if (pool.Statistics.Reused == before) break;
                reusedBytes += 4L * a.Length;
            }
        Assert.Equal(pooledBytes, reusedBytes);
        Assert.Equal((0L, 0L), (pool.Statistics.PooledArrays, pool.Statistics.PooledBytes));
    }
}
