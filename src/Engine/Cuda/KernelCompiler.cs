using System.Runtime.InteropServices;
using System.Text;

namespace Engine.Cuda;

/// <summary>Compiles CUDA C++ to PTX with NVRTC. Options are C++17 for the device's virtual
/// architecture (compute_XX); --use_fast_math is deliberately off so results stay within the
/// parity tolerance of the CPU reference.</summary>
internal static unsafe class KernelCompiler
{
    private static readonly Lazy<(int Major, int Minor)> VersionLazy = new(() =>
    {
        CudaLibraries.Require(NativeLibrarySpec.Nvrtc);
        Check(Nvrtc.nvrtcVersion(out var major, out var minor), "nvrtcVersion");
        return (major, minor);
    });

    /// <summary>The NVRTC version as (major, minor); loads NVRTC or throws listing where it looked.</summary>
    public static (int Major, int Minor) Version => VersionLazy.Value;

    public static string VersionString => $"{Version.Major}.{Version.Minor}";

    /// <summary>The virtual architectures this NVRTC can target (35 … 90 for 11.8).</summary>
    public static IReadOnlyList<int> SupportedArchitectures()
    {
        _ = Version;
        try
        {
            Check(Nvrtc.nvrtcGetNumSupportedArchs(out var count), "nvrtcGetNumSupportedArchs");
            var archs = new int[count];
            fixed (int* p = archs) Check(Nvrtc.nvrtcGetSupportedArchs(p), "nvrtcGetSupportedArchs");
            return archs;
        }
        catch (EntryPointNotFoundException)
        {
            return [];
        }
    }

    /// <summary>The newest architecture NVRTC supports that the device can run: a GPU newer than
    /// the compiler gets PTX for an older architecture, which the driver JIT-compiles forward.</summary>
    public static int ChooseArchitecture(int deviceArch, IReadOnlyList<int> supported)
    {
        if (supported.Count == 0 || supported.Contains(deviceArch)) return deviceArch;
        var older = supported.Where(a => a <= deviceArch).ToList();
        return older.Count > 0 ? older.Max() : deviceArch;
    }

    /// <summary>PTX for the virtual architecture compute_XX, or with <paramref name="cubin"/> machine
    /// code for the real one, sm_XX. FMA contraction stays on (NVRTC's default --fmad=true): it is
    /// what cuBLAS and PyTorch's kernels do, and the parity tolerances absorb its rounding.</summary>
    public static string[] Options(int arch, bool cubin = false) =>
        [cubin ? $"--gpu-architecture=sm_{arch}" : $"--gpu-architecture=compute_{arch}", "-std=c++17"];

    /// <summary>PTX for one kernel file, or a <see cref="CudaCompileException"/> carrying the file
    /// name and NVRTC's log.</summary>
    public static string Compile(string fileName, string source, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> options)
    {
        var ptx = CompileImage(fileName, source, headers, options, cubin: false);
        return Encoding.UTF8.GetString(ptx, 0, Math.Max(0, ptx.Length - 1)); // drop the terminating NUL
    }

    /// <summary>The compiled image: PTX text with its terminating NUL, or (<paramref name="cubin"/>,
    /// options naming sm_XX) the cubin's bytes.</summary>
    public static byte[] CompileImage(string fileName, string source, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> options, bool cubin)
    {
        _ = Version;
        var strings = new List<nint>();
        nint Utf8(string s)
        {
            var p = Marshal.StringToCoTaskMemUTF8(s);
            strings.Add(p);
            return p;
        }

        nint program = 0;
        try
        {
            var headerNames = headers.Keys.ToArray();
            var headerTexts = new nint[headerNames.Length];
            var includeNames = new nint[headerNames.Length];
            for (var i = 0; i < headerNames.Length; i++)
            {
                headerTexts[i] = Utf8(headers[headerNames[i]]);
                includeNames[i] = Utf8(headerNames[i]);
            }
            var opts = options.Select(Utf8).ToArray();
            fixed (nint* ht = headerTexts)
            fixed (nint* hn = includeNames)
            fixed (nint* op = opts)
            {
                Check(Nvrtc.nvrtcCreateProgram(out program, (byte*)Utf8(source), (byte*)Utf8(fileName), headerNames.Length, (byte**)ht, (byte**)hn),
                    $"nvrtcCreateProgram({fileName})");
                var result = Nvrtc.nvrtcCompileProgram(program, opts.Length, (byte**)op);
                if (result != Nvrtc.Success)
                    throw new CudaCompileException(fileName, string.Join(" ", options), Log(program), Nvrtc.Name(result));
            }
            if (cubin)
            {
                Check(Nvrtc.nvrtcGetCUBINSize(program, out var cubinSize), $"nvrtcGetCUBINSize({fileName})");
                var image = new byte[(int)cubinSize];
                fixed (byte* p = image) Check(Nvrtc.nvrtcGetCUBIN(program, p), $"nvrtcGetCUBIN({fileName})");
                return image;
            }
            Check(Nvrtc.nvrtcGetPTXSize(program, out var size), "nvrtcGetPTXSize");
            var ptx = new byte[(int)size];
            fixed (byte* p = ptx) Check(Nvrtc.nvrtcGetPTX(program, p), "nvrtcGetPTX");
            return ptx;
        }
        finally
        {
            if (program != 0) Nvrtc.nvrtcDestroyProgram(ref program);
            foreach (var p in strings) Marshal.FreeCoTaskMem(p);
        }
    }

    private static string Log(nint program)
    {
        if (Nvrtc.nvrtcGetProgramLogSize(program, out var size) != Nvrtc.Success || size <= 1) return "(NVRTC gave no log)";
        var log = new byte[(int)size];
        fixed (byte* p = log)
            if (Nvrtc.nvrtcGetProgramLog(program, p) != Nvrtc.Success) return "(NVRTC's log could not be read)";
        return Encoding.UTF8.GetString(log, 0, log.Length - 1);
    }

    private static void Check(int result, string call)
    {
        if (result != Nvrtc.Success)
        {
            var name = Nvrtc.Name(result);
            throw new CudaException($"{name} from {call}.", result, name, call, null, false);
        }
    }
}
