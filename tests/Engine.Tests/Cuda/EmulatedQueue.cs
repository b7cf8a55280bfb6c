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
        Capture = new CaptureRecorder(Device);
        _library = NativeLibrary.Load(libraryPath);
        _launch = (delegate* unmanaged<nint, void**, uint, uint, uint, uint, byte*, int, int>)NativeLibrary.GetExport(_library, "emu_launch");
    }

    public override Device Device => Device.Cuda(5);

    public CaptureRecorder Capture { get; }

    public override string DeviceName => "kernel emulator (CPU)";

    /// <summary>One SM: grids stay small, so blocks loop over rows as they do on a full GPU.</summary>
    public override int MultiprocessorCount => 1;

    public override bool TryAllocate(long bytes, out ulong pointer)
    {
        pointer = (ulong)NativeMemory.AlignedAlloc((nuint)bytes, 256);
        // cuMemAlloc does not clear. Memory allocated during a capture is filled with NaNs, so that a
        // buffer the capture creates and reads before any replay has written it shows up in tests.
        if (Capture.IsCapturing) new Span<byte>((void*)pointer, (int)bytes).Fill(0xFF);
        else NativeMemory.Clear((void*)pointer, (nuint)bytes);
        lock (_blocks) _blocks[pointer] = bytes;
        return true;
    }

    public override void FreeMemory(ulong pointer)
    {
        Capture.Forbid("FreeMemory (cuMemFree, which waits for the GPU)");
        lock (_blocks) _blocks.Remove(pointer);
        NativeMemory.AlignedFree((void*)pointer);
    }

    public override (long Free, long Total) MemoryInfo() => (1L << 30, 1L << 30);

    public override void CopyToDevice(ulong destination, void* source, long bytes)
    {
        Capture.Forbid("CopyToDevice (a host-to-device copy from a host buffer that will not outlive the capture)");
        Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);
    }

    public override void CopyToHost(void* destination, ulong source, long bytes)
    {
        Capture.Forbid("CopyToHost (a device-to-host copy, which waits for the GPU)");
        Buffer.MemoryCopy((void*)source, destination, bytes, bytes);
    }

    public override void CopyOnDevice(ulong destination, ulong source, long bytes) =>
        Capture.Run("CopyOnDevice", () => Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes));

    public override void Fill32(ulong destination, uint pattern, long count) =>
        Capture.Run("Fill32", () => new Span<uint>((void*)destination, (int)count).Fill(pattern));

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
        Capture.FirstUse(kernel, $"Loading the kernel module of '{kernel}' (its first use)");
        var copy = args.ToArray();
        Capture.Run($"Launch of '{kernel}'", () => LaunchNow(kernel, shape, copy));
    }

    private void LaunchNow(string kernel, LaunchShape shape, KernelArg[] args)
    {
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
        Capture.FirstUse("cublas", "Creating the cuBLAS handle (the first GEMM)");
        Capture.FirstGemmOfShape(transA, transB, m, n, k);
        Capture.Run("Sgemm", () => GemmNow(m, n, k, transA, transB, alpha, a, lda, b, ldb, beta, c, ldc));
    }

    private static void GemmNow(int m, int n, int k, bool transA, bool transB, float alpha, ulong a, int lda, ulong b, int ldb, float beta, ulong c, int ldc)
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

    public override void Synchronize() => Capture.Forbid("Synchronize (waiting for the GPU)");

    public override bool IsCapturing => Capture.IsCapturing;

    public override void BeginCapture() => Capture.Begin();

    public override CudaGraph EndCapture() => Capture.End();

    public override void AbortCapture() => Capture.Abort();

    public override void Dispose()
    {
    }
}
