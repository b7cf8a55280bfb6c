using System.Runtime.ExceptionServices;

namespace Engine.Backends.Cpu;

/// <summary>The parallel loop of the CPU kernels. Parallel.For allocates about 2 KB of task
/// objects per call, and a training step makes ~20 such calls (GEMMs, im2col, pooling); this loop
/// reuses its bookkeeping object, so a call allocates nothing (a new object only while a busy
/// helper has not yet let go of the ones of earlier calls). The overload with a state argument allocates no
/// closure either: pass what the body needs as a struct and a static lambda,
/// <c>CpuParallel.For(n, (x, y), static (s, i) => ...)</c>.
///
/// The helpers are threads of this class's own (<see cref="Helpers"/>), not the thread pool's: the
/// same few threads run every loop, so their per-thread buffers (GEMM packing scratch) are made once
/// instead of once per pool thread that happens to pick up a loop. The calling thread works too, and
/// waits only for indices a helper has actually claimed: a helper still busy with another caller's
/// loop finds nothing left when it gets to this one and just leaves, so a loop never waits for a
/// helper to become free and cannot deadlock (not even when a body runs a loop itself).</summary>
internal static class CpuParallel
{
    /// <summary>Runs body(i) for every i in [0, count), on this thread and up to ProcessorCount - 1
    /// helper threads. The first exception a body throws is rethrown here (after every index ran).</summary>
    public static void For(int count, Action<int> body) => For(count, body, static (b, i) => b(i));

    /// <summary>Runs body(state, i) for every i in [0, count), like <see cref="For(int, Action{int})"/>;
    /// with a struct state and a static lambda nothing is allocated per call.</summary>
    public static void For<TState>(int count, TState state, Action<TState, int> body)
    {
        var helpers = Math.Min(Threads, count) - 1;
        if (helpers <= 0)
        {
            for (var i = 0; i < count; i++) body(state, i);
            return;
        }
        var loop = Loop<TState>.Rent();
        loop.Start(state, body, count, helpers);
        var posted = Helpers.Post(loop, helpers);
        if (posted < helpers) loop.Unpost(helpers - posted);
        loop.Work();
        var error = loop.WaitForAllIndices();
        loop.Leave();
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Work (elements touched) below which a plane loop is not worth waking a helper for.</summary>
    internal const long PlaneThreshold = 1 << 15;

    /// <summary>Runs body(state, p) for p &lt; planes, in parallel when the call is big enough to pay for
    /// it (the allocation-free twin of CpuBackend.ForEachPlane). Callers guarantee that different
    /// planes write disjoint elements.</summary>
    public static void ForEachPlane<TState>(int planes, long workPerPlane, TState state, Action<TState, int> body)
    {
        if (planes > 1 && planes * workPerPlane >= PlaneThreshold) For(planes, state, body);
        else for (var p = 0; p < planes; p++) body(state, p);
    }

    /// <summary>Threads a loop may use: ProcessorCount, or <see cref="ThreadLimit"/> when set.</summary>
    public static int Threads => ThreadLimit is { } limit and > 0 ? limit : Environment.ProcessorCount;

    /// <summary>Overrides the thread count (tests: results must not depend on it). Null = ProcessorCount.</summary>
    internal static int? ThreadLimit { get; set; }

    /// <summary>Loop objects of the closure overload ready for the next call (tests: a call allocates
    /// nothing when one is).</summary>
    internal static int FreeLoops => Loop<Action<int>>.FreeCount;

    /// <summary>Loop objects of the state overload with <typeparamref name="TState"/> ready for the next call.</summary>
    internal static int FreeLoopsOf<TState>() => Loop<TState>.FreeCount;

    private static long _helperAllocatedBytes;

    /// <summary>Managed bytes allocated on the helper threads while they ran loop bodies, summed over
    /// every loop since the process started (each helper reads its own thread's counter around its
    /// share of a loop). With the caller's own per-thread counter this covers every thread a CPU
    /// kernel runs on (tests of allocation-free training steps).</summary>
    internal static long HelperAllocatedBytes => Interlocked.Read(ref _helperAllocatedBytes);

    private interface IHelperWork
    {
        void Execute();
    }

    /// <summary>The helper threads: background threads that take posted loops from a fixed ring of
    /// slots. Started on first use, one more whenever a loop wants more helpers than exist (ThreadLimit
    /// above the processor count); they live as long as the process. Posting is best effort: when the
    /// ring is full (helpers far behind, e.g. many concurrent callers) a loop is not posted and its
    /// caller runs more of it, so posting never allocates.</summary>
    private static class Helpers
    {
        private static readonly IHelperWork?[] Ring = new IHelperWork?[256];
        private static readonly Lock RingLock = new();
        private static readonly SemaphoreSlim Posted = new(0);
        private static int _head, _count, _threads;

        /// <summary>Posts <paramref name="work"/> up to <paramref name="helpers"/> times; returns how
        /// many posts were made.</summary>
        public static int Post(IHelperWork work, int helpers)
        {
            if (Volatile.Read(ref _threads) < helpers) Start(helpers);
            var posted = 0;
            lock (RingLock)
                for (; posted < helpers && _count < Ring.Length; posted++, _count++)
                    Ring[(_head + _count) % Ring.Length] = work;
            if (posted > 0) Posted.Release(posted);
            return posted;
        }

        private static void Start(int helpers)
        {
            lock (RingLock)
                while (_threads < helpers)
                {
                    new Thread(Run) { IsBackground = true, Name = $"CpuParallel helper {_threads + 1}" }.Start();
                    Volatile.Write(ref _threads, _threads + 1);
                }
        }

        private static void Run()
        {
            // Kernel threads: their GEMM packing buffers are made now, not in the middle of the first
            // training step in which this helper happens to claim a GEMM tile.
            GemmScratch.ForThisThread.Reserve();
            while (true)
            {
                Posted.Wait();
                IHelperWork work;
                lock (RingLock)
                {
                    work = Ring[_head]!;
                    Ring[_head] = null;
                    _head = (_head + 1) % Ring.Length;
                    _count--;
                }
                work.Execute();
            }
        }
    }

    /// <summary>One loop's shared state, posted once per helper. Reference-counted by the caller
    /// and each posted helper; the last to leave puts it back on its type's free list.</summary>
    private sealed class Loop<TState> : IHelperWork
    {
        private static readonly Lock FreeLock = new();
        private static readonly Stack<Loop<TState>> Free = new();

        private readonly ManualResetEventSlim _done = new(false);
        private TState? _state;
        private Action<TState, int>? _body;
        private int _count, _chunk, _next, _completed, _refs;
        private Exception? _error;

        public static int FreeCount
        {
            get
            {
                lock (FreeLock) return Free.Count;
            }
        }

        public static Loop<TState> Rent()
        {
            lock (FreeLock)
                if (Free.TryPop(out var loop)) return loop;
            return new Loop<TState>();
        }

        public void Start(TState state, Action<TState, int> body, int count, int helpers)
        {
            _state = state;
            _body = body;
            _count = count;
            // A few chunks per thread: few enough claims to be cheap, enough to even out the load.
            _chunk = Math.Max(1, count / (4 * (helpers + 1)));
            _next = 0;
            _completed = 0;
            _error = null;
            _done.Reset();
            _refs = helpers + 1;
        }

        void IHelperWork.Execute()
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Work();
            Interlocked.Add(ref _helperAllocatedBytes, GC.GetAllocatedBytesForCurrentThread() - before);
            Leave();
        }

        /// <summary>Claims chunks of indices and runs them until none are left.</summary>
        public void Work()
        {
            var body = _body!;
            var state = _state!;
            while (true)
            {
                var start = Interlocked.Add(ref _next, _chunk) - _chunk;
                if (start >= _count) return;
                var end = Math.Min(_count, start + _chunk);
                for (var i = start; i < end; i++)
                {
                    try
                    {
                        body(state, i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref _error, e, null);
                    }
                }
                if (Interlocked.Add(ref _completed, end - start) == _count) _done.Set();
            }
        }

        /// <summary>Gives up the references of <paramref name="helpers"/> helpers that were not posted.</summary>
        public void Unpost(int helpers) => Interlocked.Add(ref _refs, -helpers);

        /// <summary>Blocks until every index has run (the caller has stopped claiming by now).</summary>
        public Exception? WaitForAllIndices()
        {
            if (Volatile.Read(ref _completed) < _count) _done.Wait();
            return _error;
        }

        public void Leave()
        {
            if (Interlocked.Decrement(ref _refs) != 0) return;
            _state = default; // do not keep the caller's state (and its tensors) alive
            _body = null;
            _error = null;
            lock (FreeLock) Free.Push(this);
        }
    }
}
