using System.Runtime.InteropServices;

namespace Engine.Cuda;

/// <summary>cuBLAS (libcublas.so.13/.12/.11) through its _v2 entry points. cuBLAS is column-major;
/// <see cref="Engine.Backends.CudaBackend"/> turns row-major GEMMs into column-major ones by
/// swapping the operands.</summary>
internal static unsafe partial class Cublas
{
    private const string Lib = "cublas";

    public const int StatusSuccess = 0;
    public const int OpN = 0;                    // CUBLAS_OP_N
    public const int OpT = 1;                    // CUBLAS_OP_T
    public const int DefaultMath = 0;            // CUBLAS_DEFAULT_MATH: full fp32
    public const int Tf32TensorOpMath = 3;       // CUBLAS_TF32_TENSOR_OP_MATH
    public const int CudaR32F = 0;               // CUDA_R_32F
    public const int Compute32F = 68;            // CUBLAS_COMPUTE_32F
    public const int Compute32FFastTf32 = 77;    // CUBLAS_COMPUTE_32F_FAST_TF32
    public const int GemmDefault = -1;           // CUBLAS_GEMM_DEFAULT

    [LibraryImport(Lib)] public static partial int cublasCreate_v2(out nint handle);
    [LibraryImport(Lib)] public static partial int cublasDestroy_v2(nint handle);
    [LibraryImport(Lib)] public static partial int cublasSetStream_v2(nint handle, nint stream);
    [LibraryImport(Lib)] public static partial int cublasGetVersion_v2(nint handle, out int version);
    /// <summary>libraryPropertyType: 0 major, 1 minor, 2 patch; needs no handle (and no GPU).</summary>
    [LibraryImport(Lib)] public static partial int cublasGetProperty(int type, out int value);
    [LibraryImport(Lib)] public static partial int cublasSetWorkspace_v2(nint handle, ulong workspace, nuint bytes);
    [LibraryImport(Lib)] public static partial int cublasSetMathMode(nint handle, int mode);

    [LibraryImport(Lib)]
    public static partial int cublasSgemm_v2(nint handle, int transA, int transB, int m, int n, int k,
        float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);

    [LibraryImport(Lib)]
    public static partial int cublasSgemmStridedBatched(nint handle, int transA, int transB, int m, int n, int k,
        float* alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB, float* beta, ulong c, int ldc, long strideC, int batchCount);

    [LibraryImport(Lib)]
    public static partial int cublasGemmEx(nint handle, int transA, int transB, int m, int n, int k,
        void* alpha, ulong a, int aType, int lda, ulong b, int bType, int ldb, void* beta, ulong c, int cType, int ldc,
        int computeType, int algo);

    /// <summary>cublasStatus_t names (cublas_api.h); cuBLAS 11.x has no name lookup of its own.</summary>
    public static string Name(int status) => status switch
    {
        0 => "CUBLAS_STATUS_SUCCESS",
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => $"cublasStatus {status}",
    };

    /// <summary>"12.8.4", read without a handle.</summary>
    public static string VersionString()
    {
        Check(cublasGetProperty(0, out var major));
        Check(cublasGetProperty(1, out var minor));
        Check(cublasGetProperty(2, out var patch));
        return $"{major}.{minor}.{patch}";
    }

    public const int StatusExecutionFailed = 13;   // CUBLAS_STATUS_EXECUTION_FAILED

    public static void Check(int status, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != StatusSuccess) throw Error(status, call);
    }

    /// <summary>The exception for a failed cuBLAS call. CUBLAS_STATUS_EXECUTION_FAILED means a
    /// cuBLAS kernel failed on the GPU (usually a fault that is sticky for the driver too), so the
    /// context is treated as unusable, like the driver's sticky errors.</summary>
    public static CudaException Error(int status, string call, string? kernel = null)
    {
        var name = Name(status);
        if (status != StatusExecutionFailed) return new CudaException($"{name} from {call}.", status, name, call, kernel, false);
        return new CudaException(
            $"{name} from {call}: a cuBLAS kernel failed on the GPU. The CUDA context is treated as unusable (such failures are " +
            "usually sticky faults), so the backend refuses further work. Restart the process.", status, name, call, kernel, true);
    }
}
