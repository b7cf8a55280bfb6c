using System.Runtime.ExceptionServices;

namespace Engine.Backends.Cpu;

/// <summary>The parallel loop of the CPU kernels. Parallel.For allocates about 2 KB of task
/// objects per call, and a training step makes ~20 such calls (GEMMs, im2col, pooling); this loop
/// reuses its bookkeeping objects (a free list per state type; each is given back as soon as every index ran, see
/// <see cref="Loop{TState}"/>), so a warm call allocates nothing. The overload with a state argument allocates no
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
        var generation = loop.Start(state, body, count, helpers);
        Helpers.Post(loop, generation, helpers); // best effort: what is not posted, this thread runs
        loop.Work(generation);
        var error = loop.WaitForAllIndices();
        loop.Return();
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
        /// <summary>Helps with the loop's run <paramref name="generation"/>; returns at once when that
        /// run is over (a post that waited in the ring past the end of its loop).</summary>
        void Execute(int generation);
    }

    /// <summary>The helper threads: background threads, each with its own fixed ring of posted loops.
    /// A loop that wants h helpers posts to helpers 1..h, always the same threads: with more helper
    /// threads alive than a loop uses (a test raised ThreadLimit), an idle extra thread never picks up
    /// a training step's work, so it never grows its per-thread kernel buffers in the middle of
    /// training (an allocation whose timing would depend on which thread woke first). Started on first
    /// use, one more whenever a loop wants more helpers than exist (ThreadLimit above the processor
    /// count); they live as long as the process. Posting is best effort: when a helper's ring is full
    /// (far behind, e.g. many concurrent callers) it is not posted to and the caller runs more of the
    /// loop, so posting never allocates.</summary>
    private static class Helpers
    {
        private const int MaxHelpers = 256;
        private static readonly Mailbox?[] Boxes = new Mailbox?[MaxHelpers];
        private static readonly Lock StartLock = new();
        private static int _threads;

        /// <summary>Posts <paramref name="work"/> to helpers 1..<paramref name="helpers"/>; returns how
        /// many posts were made.</summary>
        public static int Post(IHelperWork work, int generation, int helpers)
        {
            helpers = Math.Min(helpers, MaxHelpers);
            if (Volatile.Read(ref _threads) < helpers) Start(helpers);
            var posted = 0;
            for (var i = 0; i < helpers; i++)
                if (Boxes[i]!.TryPost(work, generation)) posted++;
            return posted;
        }

        private static void Start(int helpers)
        {
            lock (StartLock)
                while (_threads < helpers)
                {
                    var box = Boxes[_threads] = new Mailbox();
                    new Thread(() => Run(box)) { IsBackground = true, Name = $"CpuParallel helper {_threads + 1}" }.Start();
                    Volatile.Write(ref _threads, _threads + 1); // after the box: Post reads it once it counts
                }
        }

        private static void Run(Mailbox box)
        {
            // Kernel threads: their GEMM packing buffers are made now, not in the middle of the first
            // training step in which this helper happens to claim a GEMM tile.
            GemmScratch.ForThisThread.Reserve();
            while (true)
            {
                var (work, generation) = box.Take();
                work.Execute(generation);
            }
        }
    }

    /// <summary>One helper's posted loops: a fixed ring under a lock and a semaphore counting them.</summary>
    private sealed class Mailbox
    {
        private readonly (IHelperWork? Work, int Generation)[] _ring = new (IHelperWork?, int)[64];
        private readonly Lock _lock = new();
        private readonly SemaphoreSlim _posted = new(0);
        private int _head, _count;

        public bool TryPost(IHelperWork work, int generation)
        {
            lock (_lock)
            {
                if (_count == _ring.Length) return false;
                _ring[(_head + _count) % _ring.Length] = (work, generation);
                _count++;
            }
            _posted.Release();
            return true;
        }

        public (IHelperWork Work, int Generation) Take()
        {
            _posted.Wait();
            lock (_lock)
            {
                var post = _ring[_head];
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
                return (post.Work!, post.Generation);
            }
        }
    }

    /// <summary>One loop's shared state, posted once per helper. The caller gives it back to its type's
    /// free list as soon as every index has run, without waiting for helpers that have not arrived
    /// yet: each run has a generation, packed with the next free index into one claim word, so a
    /// helper that arrives late (its post waited in the ring) sees another generation and leaves
    /// without touching the loop. So a loop of the same type always finds a free object after the
    /// first call, however the helpers are scheduled: no allocation that depends on timing.</summary>
    private sealed class Loop<TState> : IHelperWork
    {
        private static readonly Lock FreeLock = new();
        private static readonly Stack<Loop<TState>> Free = new();

        // The caller's wait: a flag and a monitor on an object made with the loop (a ManualResetEventSlim
        // makes its lock object the first time a wait blocks, i.e. at a moment that depends on timing).
        private readonly object _gate = new();
        private bool _finished;
        private TState? _state;
        private Action<TState, int>? _body;
        private int _count, _chunk, _completed, _generation;
        private long _claim; // generation << 32 | next index to claim
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

        /// <summary>Sets up a new run and returns its generation (published last, with index 0).</summary>
        public int Start(TState state, Action<TState, int> body, int count, int helpers)
        {
            _state = state;
            _body = body;
            _count = count;
            // A few chunks per thread: few enough claims to be cheap, enough to even out the load.
            _chunk = Math.Max(1, count / (4 * (helpers + 1)));
            _completed = 0;
            _error = null;
            _finished = false;
            var generation = ++_generation;
            Volatile.Write(ref _claim, (long)generation << 32);
            return generation;
        }

        void IHelperWork.Execute(int generation) => Work(generation, helper: true);

        /// <summary>Claims chunks of indices of run <paramref name="generation"/> and runs them until none
        /// are left (or the run is over).</summary>
        public void Work(int generation, bool helper = false)
        {
            while (true)
            {
                var claim = Volatile.Read(ref _claim);
                if ((int)(claim >> 32) != generation) return; // a later run: this post is stale
                var start = (int)claim;
                var count = _count; // read after the claim word: the values of this generation
                if (start >= count) return;
                var end = Math.Min(count, start + _chunk);
                if (Interlocked.CompareExchange(ref _claim, ((long)generation << 32) | (uint)end, claim) != claim) continue;
                var body = _body!;
                var state = _state!;
                var before = helper ? GC.GetAllocatedBytesForCurrentThread() : 0;
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
                // A helper's bytes are counted before its chunk counts as done, so a caller that has
                // returned from the loop sees all of them (none arrive later, inside someone else's window).
                if (helper) Interlocked.Add(ref _helperAllocatedBytes, GC.GetAllocatedBytesForCurrentThread() - before);
                // The last chunk's finisher signals (once per run); the caller waits for that signal,
                // so no signal of this run can land after the next run's Start.
                if (Interlocked.Add(ref _completed, end - start) == count)
                    lock (_gate)
                    {
                        _finished = true;
                        Monitor.PulseAll(_gate);
                    }
            }
        }

        /// <summary>Blocks until every index has run (the caller has stopped claiming by now).</summary>
        public Exception? WaitForAllIndices()
        {
            var spin = new SpinWait();
            while (!Volatile.Read(ref _finished))
            {
                if (!spin.NextSpinWillYield)
                {
                    spin.SpinOnce();
                    continue;
                }
                lock (_gate)
                    while (!_finished) Monitor.Wait(_gate);
                break;
            }
            return _error;
        }

        /// <summary>Back to the free list (by the caller, once every index has run).</summary>
        public void Return()
        {
            _state = default; // do not keep the caller's state (and its tensors) alive
            _body = null;
            _error = null;
            lock (FreeLock) Free.Push(this);
        }
    }
}
