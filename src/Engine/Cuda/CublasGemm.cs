namespace Engine.Cuda;

/// <summary>Column-major SGEMM through a cuBLAS handle bound to the queue's stream. The handle is
/// created on the first GEMM (kernels-only work never loads cuBLAS) and gets its own workspace from
/// the queue, so it never allocates behind the caching allocator's back (which CUDA graph capture
/// also requires).</summary>
internal sealed unsafe class CublasGemm(DeviceContext context, StreamCapture capture, CudaQueue memory, nint stream) : IDisposable
{
    private const long WorkspaceBytes = 32L << 20; // NVIDIA's recommendation for Hopper; ample for older GPUs

    private nint _handle;
    private ulong _workspace;

    /// <summary>cuBLAS's column-major C = alpha·op(A)·op(B) + beta·C; TF32 tensor cores when asked.</summary>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc, bool tf32)
    {
        var handle = Handle();
        var opA = transA ? Cublas.OpT : Cublas.OpN;
        var opB = transB ? Cublas.OpT : Cublas.OpN;
        context.LastKernel = "cublas gemm";
        if (tf32)
        {
            // TF32 tensor cores: opt-in, ~10 mantissa bits per product.
            context.CheckCublas(Cublas.cublasGemmEx(handle, opA, opB, m, n, k, &alpha, a, Cublas.CudaR32F, lda, b, Cublas.CudaR32F, ldb,
                &beta, c, Cublas.CudaR32F, ldc, Cublas.Compute32FFastTf32, Cublas.GemmDefault));
        }
        else
        {
            context.CheckCublas(Cublas.cublasSgemm_v2(handle, opA, opB, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc));
        }
    }

    private nint Handle()
    {
        if (_handle != 0) return _handle;
        // cublasCreate allocates and synchronises; run one GEMM before capturing (warm-up).
        capture.Forbid("Creating the cuBLAS handle (the first GEMM)");
        CudaLibraries.Require(NativeLibrarySpec.Cublas);
        Cublas.Check(Cublas.cublasCreate_v2(out var handle));
        Cublas.Check(Cublas.cublasSetStream_v2(handle, stream));
        Cublas.Check(Cublas.cublasSetMathMode(handle, Cublas.DefaultMath));
        try
        {
            if (memory.TryAllocate(WorkspaceBytes, out var workspace))
            {
                Cublas.Check(Cublas.cublasSetWorkspace_v2(handle, workspace, (nuint)WorkspaceBytes));
                _workspace = workspace;
            }
        }
        catch (EntryPointNotFoundException)
        {
            // cuBLAS before 11.4 has no cublasSetWorkspace; it then manages its own.
        }
        _handle = handle;
        return handle;
    }

    /// <summary>Destroys the handle and frees its workspace (the context is current and the stream idle).</summary>
    public void Dispose()
    {
        if (_handle != 0) Cublas.cublasDestroy_v2(_handle);
        if (_workspace != 0) Driver.cuMemFree_v2(_workspace);
    }
}
