using System.Runtime.InteropServices;
using System.Text;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>A "GPU" that runs the real kernels/*.cu on the CPU through the kernel emulator
/// (scripts/kernel-emulator: g++ with a shim for CUDA's built-ins, threads of a block as fibers
/// that meet at __syncthreads and warp shuffles). Used by the parity tests when there is no GPU and
/// ENGINE_CUDA_EMULATOR names the built library; it checks the kernels' arithmetic and indexing, not
/// the driver. Device memory is native host memory, because the emulated kernels dereference it.</summary>
internal sealed unsafe class EmulatedQueue : CudaQueue
{
    private readonly nint _library;
    private readonly delegate* unmanaged<nint, void**, uint, uint, uint, uint, byte*, int, int> _launch;
    private readonly Dictionary<ulong, long> _blocks = new();
    private readonly Dictionary<string, nint> _kernels = new();

    /// <summary>The emulator runs one launch at a time (its scheduler is process-wide); test classes run in parallel.</summary>
    private static readonly Lock LaunchLock = new();

    public EmulatedQueue(string libraryPath)
    {
        _library = NativeLibrary.Load(libraryPath);
        _launch = (delegate* unmanaged<nint, void**, uint, uint, uint, uint, byte*, int, int>)NativeLibrary.GetExport(_library, "emu_launch");
    }

    public override Device Device => Device.Cuda(5);

    public override string DeviceName => "kernel emulator (CPU)";

    /// <summary>One SM: grids stay small, so blocks loop over rows as they do on a full GPU.</summary>
    public override int MultiprocessorCount => 1;

    public override bool TryAllocate(long bytes, out ulong pointer)
    {
        pointer = (ulong)NativeMemory.AlignedAlloc((nuint)bytes, 256);
        NativeMemory.Clear((void*)pointer, (nuint)bytes);
        lock (_blocks) _blocks[pointer] = bytes;
        return true;
    }

    public override void FreeMemory(ulong pointer)
    {
        lock (_blocks) _blocks.Remove(pointer);
        NativeMemory.AlignedFree((void*)pointer);
    }

    public override (long Free, long Total) MemoryInfo() => (1L << 30, 1L << 30);

    public override void CopyToDevice(ulong destination, void* source, long bytes) => Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);

    public override void CopyToHost(void* destination, ulong source, long bytes) => Buffer.MemoryCopy((void*)source, destination, bytes, bytes);

    public override void CopyOnDevice(ulong destination, ulong source, long bytes) => Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes);

    public override void Fill32(ulong destination, uint pattern, long count) => new Span<uint>((void*)destination, (int)count).Fill(pattern);

    /// <summary>Pointers may point into an allocation (views, such as a weight in a model's arena).</summary>
    private bool IsInsideBlock(ulong pointer)
    {
        if (_blocks.ContainsKey(pointer)) return true;
        foreach (var (start, bytes) in _blocks)
            if (pointer > start && pointer < start + (ulong)bytes) return true;
        return false;
    }

    public override void Launch(string kernel, LaunchShape shape, ReadOnlySpan<KernelArg> args)
    {
        if (shape.IsEmpty) return;
        lock (_blocks)
            foreach (var a in args)
                if (a.Kind == KernelArgKind.Pointer && a.Bits != 0 && !IsInsideBlock(a.Bits))
                    throw new InvalidOperationException($"{kernel}: pointer argument 0x{a.Bits:x} is not inside a live allocation");
        nint fn;
        lock (_kernels)
            if (!_kernels.TryGetValue(kernel, out fn))
                _kernels[kernel] = fn = NativeLibrary.GetExport(_library, "emu_" + kernel);
        var slots = stackalloc void*[Math.Max(1, args.Length)];
        var error = stackalloc byte[512];
        int status;
        fixed (KernelArg* a = args)
        {
            for (var i = 0; i < args.Length; i++) slots[i] = &a[i];
            lock (LaunchLock) status = _launch(fn, slots, shape.GridX, shape.GridY, shape.BlockX, shape.BlockY, error, 512);
        }
        if (status != 0)
            throw new CudaException($"emulated launch of '{kernel}' failed: {Encoding.UTF8.GetString(new ReadOnlySpan<byte>(error, 512)).TrimEnd('\0')}");
    }

    /// <summary>cuBLAS is not emulated by g++; the textbook column-major GEMM stands in.</summary>
    public override void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc, bool tf32)
    {
        var A = (float*)a;
        var B = (float*)b;
        var C = (float*)c;
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var p = 0; p < k; p++)
                    sum += (transA ? A[p + i * lda] : A[i + p * lda]) * (double)(transB ? B[j + p * ldb] : B[p + j * ldb]);
                C[i + j * ldc] = (float)(alpha * sum + (beta == 0 ? 0 : beta * C[i + j * ldc]));
            }
    }

    public override void Synchronize()
    {
    }

    public override void Dispose()
    {
    }
}
