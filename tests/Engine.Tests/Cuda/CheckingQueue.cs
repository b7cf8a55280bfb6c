using System.Runtime.InteropServices;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>A stand-in GPU for tests without one. Device memory is host memory (so copies, fills
/// and allocator behaviour are real); every kernel launch is checked against the kernel's
/// parameter list in the PTX that NVRTC produces, and against the launch limits, but not run;
/// SGEMM runs a plain column-major reference so the row-major → cuBLAS mapping is tested for real.</summary>
internal sealed class CheckingQueue : CudaQueue
{
    private readonly Dictionary<ulong, byte[]> _memory = new();
    private readonly long _capacity;
    private ulong _next = 0x7f00_0000_0000;
    private static readonly Dictionary<string, string[]> Signatures = new();

    public CheckingQueue(long capacityBytes = 1L << 30, int index = 7)
    {
        _capacity = capacityBytes;
        Device = Device.Cuda(index);
        Capture = new CaptureRecorder(Device);
    }

    public CaptureRecorder Capture { get; }

    public record LaunchRecord(string Kernel, LaunchShape Shape, KernelArg[] Args);

    public record GemmRecord(bool TransA, bool TransB, int M, int N, int K, int Lda, int Ldb, int Ldc);

    public List<LaunchRecord> Launches { get; } = [];

    public List<GemmRecord> Gemms { get; } = [];

    public int DriverAllocs { get; private set; }

    public int DriverFrees { get; private set; }

    public int Syncs { get; private set; }

    public long InUse => _memory.Values.Sum(b => (long)b.Length);

    public override Device Device { get; }

    public override string DeviceName => "checking queue (no GPU)";

    public override int MultiprocessorCount => 4;

    public override bool TryAllocate(long bytes, out ulong pointer)
    {
        pointer = 0;
        if (InUse + bytes > _capacity) return false;
        pointer = _next;
        _next += (ulong)((bytes + 255) / 256 * 256) + 256;
        _memory[pointer] = new byte[bytes];
        DriverAllocs++;
        return true;
    }

    public override void FreeMemory(ulong pointer)
    {
        Capture.Forbid("FreeMemory (cuMemFree, which waits for the GPU)");
        Assert.True(_memory.Remove(pointer), $"cuMemFree of 0x{pointer:x}, which is not allocated");
        DriverFrees++;
    }

    public override (long Free, long Total) MemoryInfo() => (_capacity - InUse, _capacity);

    /// <summary>The bytes at <paramref name="pointer"/>, which may point inside an allocation (a view
    /// such as a parameter in a model's arena), asserting the access stays inside it.</summary>
    private Span<byte> Bytes(ulong pointer, long bytes)
    {
        var (start, block) = Containing(pointer);
        Assert.True(block is not null, $"0x{pointer:x} is not inside any allocation");
        var offset = (long)(pointer - start);
        Assert.True(offset + bytes <= block!.Length, $"access of {bytes} bytes at 0x{pointer:x}, {offset} bytes into an allocation of {block.Length}");
        return block.AsSpan((int)offset, (int)bytes);
    }

    private (ulong Start, byte[]? Block) Containing(ulong pointer)
    {
        if (_memory.TryGetValue(pointer, out var exact)) return (pointer, exact);
        foreach (var (start, block) in _memory)
            if (pointer > start && pointer < start + (ulong)block.Length) return (start, block);
        return (0, null);
    }

    public Span<float> Floats(ulong pointer, long count) => MemoryMarshal.Cast<byte, float>(Bytes(pointer, count * 4));

    public override unsafe void CopyToDevice(ulong destination, void* source, long bytes)
    {
        Capture.Forbid("CopyToDevice (a host-to-device copy from a host buffer that will not outlive the capture)");
        new ReadOnlySpan<byte>(source, (int)bytes).CopyTo(Bytes(destination, bytes));
    }

    public override unsafe void CopyToHost(void* destination, ulong source, long bytes)
    {
        Capture.Forbid("CopyToHost (a device-to-host copy, which waits for the GPU)");
        Bytes(source, bytes).CopyTo(new Span<byte>(destination, (int)bytes));
    }

    public override void CopyOnDevice(ulong destination, ulong source, long bytes)
    {
        Bytes(source, bytes);
        Bytes(destination, bytes);
        Capture.Run("CopyOnDevice", () => Bytes(source, bytes).CopyTo(Bytes(destination, bytes)));
    }

    public override void Fill32(ulong destination, uint pattern, long count)
    {
        Bytes(destination, count * 4);
        Capture.Run("Fill32", () => MemoryMarshal.Cast<byte, uint>(Bytes(destination, count * 4)).Fill(pattern));
    }

    public override void Launch(string kernel, LaunchShape shape, ReadOnlySpan<KernelArg> args)
    {
        if (shape.IsEmpty) return;
        Capture.FirstUse(kernel, $"Loading the kernel module of '{kernel}' (its first use)");
        var parameters = SignatureOf(kernel);
        var mismatch = PtxSignatures.Mismatch(kernel, parameters, args);
        Assert.True(mismatch is null, mismatch);
        var threads = shape.BlockX * shape.BlockY;
        Assert.True(threads is > 0 and <= 1024, $"{kernel}: {threads} threads per block ({shape})");
        Assert.True(shape.BlockX % 32 == 0, $"{kernel}: block size {shape.BlockX} is not a whole number of warps; the warp reductions need that");
        Assert.True(shape.GridX <= int.MaxValue && shape.GridY <= 65535, $"{kernel}: grid too large ({shape})");
        Assert.True(shape.SharedBytes <= 48 * 1024, $"{kernel}: {shape.SharedBytes} bytes of dynamic shared memory");
        var copy = args.ToArray();
        CheckPointers(kernel, copy);
        // A replay checks again: a pointer baked into a graph must still be allocated when it runs.
        Capture.Run($"Launch of '{kernel}'", () =>
        {
            CheckPointers(kernel, copy);
            Launches.Add(new(kernel, shape, copy));
        });
    }

    private void CheckPointers(string kernel, KernelArg[] args)
    {
        foreach (var a in args)
            if (a.Kind == KernelArgKind.Pointer && a.Bits != 0)
                Assert.True(Containing(a.Bits).Block is not null, $"{kernel}: pointer argument 0x{a.Bits:x} is not inside a live allocation");
    }

    private static string[] SignatureOf(string kernel)
    {
        lock (Signatures)
        {
            if (Signatures.TryGetValue(kernel, out var s)) return s;
            var file = KernelSources.FileOf(kernel);
            foreach (var (name, parameters) in PtxSignatures.Parse(KernelPtx.Get(file, 80))) Signatures[name] = parameters;
            return Signatures[kernel];
        }
    }

    /// <summary>The textbook column-major GEMM, with cuBLAS's argument rules asserted.</summary>
    public override void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc, bool tf32)
    {
        Assert.True(lda >= Math.Max(1, transA ? k : m), $"lda {lda} too small");
        Assert.True(ldb >= Math.Max(1, transB ? n : k), $"ldb {ldb} too small");
        Assert.True(ldc >= Math.Max(1, m), $"ldc {ldc} too small");
        Capture.FirstUse("cublas", "Creating the cuBLAS handle (the first GEMM)");
        Capture.FirstGemmOfShape(transA, transB, m, n, k);
        Capture.Run("Sgemm", () => GemmNow(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
    }

    private void GemmNow(bool transA, bool transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc)
    {
        Gemms.Add(new(transA, transB, m, n, k, lda, ldb, ldc));
        var A = Floats(a, (long)lda * (transA ? m : k)).ToArray();
        var B = Floats(b, (long)ldb * (transB ? k : n)).ToArray();
        var C = Floats(c, (long)ldc * n);
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var p = 0; p < k; p++)
                {
                    var av = transA ? A[p + i * lda] : A[i + p * lda];
                    var bv = transB ? B[j + p * ldb] : B[p + j * ldb];
                    sum += av * bv;
                }
                C[i + j * ldc] = (float)(alpha * sum + (beta == 0 ? 0 : beta * C[i + j * ldc]));
            }
    }

    public override void Synchronize()
    {
        Capture.Forbid("Synchronize (waiting for the GPU)");
        Syncs++;
    }

    public override bool IsCapturing => Capture.IsCapturing;

    public override void BeginCapture() => Capture.Begin();

    public override CudaGraph EndCapture() => Capture.End();

    public override void AbortCapture() => Capture.Abort();

    public override void Dispose()
    {
    }
}
