using System.Reflection;
using Engine.Backends;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Every kernels/*.cu compiles with NVRTC (CI installs Debian's NVRTC 11.8) for the A100
/// and H100 architectures, and every kernel matches its IBackend method's arguments.</summary>
public class KernelCompileTests
{
    public static TheoryData<string, int> FilesAndArchitectures()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in KernelSources.Files.Keys)
            foreach (var arch in new[] { 80, 90 })
                data.Add(file, arch);
        return data;
    }

    [Theory]
    [MemberData(nameof(FilesAndArchitectures))]
    public void KernelFileCompilesToPtx(string fileName, int arch)
    {
        CudaTestSupport.RequireNvrtc();
        var file = KernelSources.Files[fileName];
        var ptx = KernelCompiler.Compile(file.Name, file.Source, KernelSources.Headers, KernelCompiler.Options(arch));
        Assert.Contains($".target sm_{arch}", ptx);
        var entries = PtxSignatures.Parse(ptx);
        Assert.NotEmpty(file.Kernels);
        Assert.Equal(file.Kernels.Order(), entries.Keys.Order());
    }

    [Fact]
    public void KernelsAreEmbeddedAndIncludeNoToolkitHeaders()
    {
        Assert.True(KernelSources.Files.Count >= 12, $"only {KernelSources.Files.Count} kernel files are embedded");
        Assert.Contains("common.cuh", KernelSources.Headers.Keys);
        foreach (var file in KernelSources.Files.Values.Concat(KernelSources.Headers.Select(h => new KernelFile(h.Key, h.Value, []))))
            foreach (var line in file.Source.Split('\n').Where(l => l.TrimStart().StartsWith("#include", StringComparison.Ordinal)))
                Assert.True(line.Contains("\"common.cuh\"", StringComparison.Ordinal), $"{file.Name} includes something other than common.cuh: {line.Trim()}");
    }

    [Fact]
    public void BrokenSourceReportsFileNameAndNvrtcLog()
    {
        CudaTestSupport.RequireNvrtc();
        const string source = "extern \"C\" __global__ void broken(float* x)\n{\n    x[0] = undefined_thing;\n}\n";
        var e = Assert.Throws<CudaCompileException>(() =>
            KernelCompiler.Compile("broken_example.cu", source, KernelSources.Headers, KernelCompiler.Options(80)));
        Assert.Equal("broken_example.cu", e.FileName);
        Assert.Contains("broken_example.cu", e.Message);
        Assert.Contains("undefined_thing", e.Message);      // the NVRTC log is part of the message
        Assert.Contains("undefined_thing", e.Log);
        Assert.Contains("NVRTC_ERROR_COMPILATION", e.Message);
    }

    [Fact]
    public void ChoosesNewestArchitectureTheCompilerKnows()
    {
        int[] supported = [75, 80, 86, 89, 90];
        Assert.Equal(90, KernelCompiler.ChooseArchitecture(90, supported));
        Assert.Equal(86, KernelCompiler.ChooseArchitecture(86, supported));
        Assert.Equal(90, KernelCompiler.ChooseArchitecture(120, supported));   // newer GPU: PTX is JIT-compiled forward
        Assert.Equal(100, KernelCompiler.ChooseArchitecture(100, []));         // unknown list: trust the device
    }

    /// <summary>Methods that are not one kernel launch: memory management, cuBLAS, or a memset/memcpy.</summary>
    private static readonly HashSet<string> NotKernels = ["Allocate", "Fill", "Copy", "Cast", "Synchronize", "Gemm", "get_Device", "ElementwiseForward", "ElementwiseBackward"];

    private static IEnumerable<MethodInfo> KernelMethods() => typeof(IBackend).GetMethods().Where(m => !NotKernels.Contains(m.Name));

    [Fact]
    public void EveryBackendMethodHasAKernelWithTheSameArguments()
    {
        CudaTestSupport.RequireNvrtc();
        var signatures = new Dictionary<string, string[]>();
        foreach (var file in KernelSources.Files.Values)
            foreach (var (name, parameters) in PtxSignatures.Parse(KernelPtx.Get(file, 80)))
                signatures[name] = parameters;

        var problems = new List<string>();
        foreach (var method in KernelMethods())
        {
            var kernel = KernelNames.SnakeCase(method.Name);
            if (!signatures.TryGetValue(kernel, out var ptx))
            {
                problems.Add($"{method.Name}: no kernel '{kernel}'");
                continue;
            }
            var args = method.GetParameters();
            if (args.Length > 0 && IsGeometry(args[^1].ParameterType))
            {
                // A geometry record travels as the kernel's trailing ints (their order is checked
                // launch by launch in CudaBackendLaunchTests); the tensors before it map one to one.
                var tensors = args.Length - 1;
                if (ptx.Length <= tensors + 1 || ptx.Take(tensors).Any(p => !PtxSignatures.Accepts(p, KernelArgKind.Pointer))
                    || ptx.Skip(tensors).Any(p => !PtxSignatures.Accepts(p, KernelArgKind.Int32)))
                    problems.Add($"{method.Name}: kernel '{kernel}' should take {tensors} pointers and then the geometry's ints; it takes ({string.Join(", ", ptx)})");
                continue;
            }
            if (args.Length != ptx.Length)
            {
                problems.Add($"{method.Name}: {args.Length} arguments, kernel '{kernel}' takes {ptx.Length}");
                continue;
            }
            for (var i = 0; i < args.Length; i++)
            {
                var kind = args[i].ParameterType switch
                {
                    var t when t == typeof(Tensor) => KernelArgKind.Pointer,
                    var t when t == typeof(int) || t == typeof(bool) => KernelArgKind.Int32,
                    var t when t == typeof(long) || t == typeof(ulong) => KernelArgKind.UInt64,
                    var t when t == typeof(double) => KernelArgKind.Float64,
                    var t when t == typeof(float) => KernelArgKind.Float32,
                    var t => throw new InvalidOperationException($"{method.Name}: unexpected parameter type {t}"),
                };
                if (!PtxSignatures.Accepts(ptx[i], kind))
                    problems.Add($"{method.Name}: argument {i} ({args[i].Name}) is {args[i].ParameterType.Name}, kernel '{kernel}' has .{ptx[i]}");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static bool IsGeometry(Type t) =>
        t == typeof(Conv2DGeometry) || t == typeof(Pool2DGeometry) || t == typeof(Pad2DGeometry) || t == typeof(UpSampling2DGeometry) || t == typeof(StridedWalk);

    /// <summary>The generated ops (ElementwiseForward/Backward dispatch by op, not by method name): each
    /// kernel takes the pointers, n and double parameters that the launch in CudaBackend.ElementwiseOps.cs passes.</summary>
    [Theory]
    [MemberData(nameof(Engine.Tests.Elementwise.ElementwiseOpCases.Names), MemberType = typeof(Engine.Tests.Elementwise.ElementwiseOpCases))]
    public void GeneratedOpKernelsTakeTheLaunchedArguments(string name)
    {
        CudaTestSupport.RequireNvrtc();
        var op = Engine.Tests.Elementwise.ElementwiseOpCases.Op(name);
        var signatures = PtxSignatures.Parse(KernelPtx.Get(KernelSources.Files[Engine.Backends.Elementwise.CudaSource.FileName], 80));
        var pointers = Enumerable.Repeat(KernelArgKind.Pointer, op.Inputs.Count + 1);
        var backwardPointers = Enumerable.Repeat(KernelArgKind.Pointer, op.Saved.Count + 1 + op.Grads.Count);
        var scalars = new[] { KernelArgKind.Int32 }.Concat(Enumerable.Repeat(KernelArgKind.Float64, op.Params.Count));
        foreach (var (kernel, kinds) in new[] { (op.ForwardKernel, pointers.Concat(scalars).ToArray()), (op.BackwardKernel, backwardPointers.Concat(scalars).ToArray()) })
        {
            Assert.True(signatures.TryGetValue(kernel, out var ptx), $"no kernel {kernel}");
            Assert.Equal(kinds.Length, ptx.Length);
            for (var i = 0; i < kinds.Length; i++) Assert.True(PtxSignatures.Accepts(ptx[i], kinds[i]), $"{kernel}: argument {i} is .{ptx[i]}, launched as {kinds[i]}");
        }
    }

    [Theory]
    [InlineData("ReluForward", "relu_forward")]
    [InlineData("MaxPool2DBackward", "max_pool2d_backward")]
    [InlineData("Im2Col", "im2col")]
    [InlineData("SigmoidBceWithLogitsForward", "sigmoid_bce_with_logits_forward")]
    [InlineData("Transpose01", "transpose01")]
    public void KernelNamesAreSnakeCaseOfMethodNames(string method, string kernel) =>
        Assert.Equal(kernel, KernelNames.SnakeCase(method));
}
