using System.Text.RegularExpressions;

namespace Engine.Cuda;

/// <summary>Reads each entry point's parameter types out of PTX (".param .u64 relu_forward_param_0"),
/// so a launch can be checked against the kernel it calls: a wrong argument count or type would
/// otherwise make the GPU read garbage.</summary>
internal static partial class PtxSignatures
{
    public static IReadOnlyDictionary<string, string[]> Parse(string ptx)
    {
        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (Match entry in EntryPattern().Matches(ptx))
            result[entry.Groups[1].Value] = ParamPattern().Matches(entry.Groups[2].Value).Select(m => m.Groups[1].Value).ToArray();
        return result;
    }

    /// <summary>Whether an argument of this kind may be passed for a parameter of this PTX type.</summary>
    public static bool Accepts(string ptxType, KernelArgKind kind) => kind switch
    {
        KernelArgKind.Pointer or KernelArgKind.UInt64 => ptxType is "u64" or "s64" or "b64",
        KernelArgKind.Int32 => ptxType is "u32" or "s32" or "b32",
        KernelArgKind.Float32 => ptxType == "f32",
        KernelArgKind.Float64 => ptxType == "f64",
        _ => false,
    };

    /// <summary>Null when the arguments fit the parameters, otherwise what is wrong.</summary>
    public static string? Mismatch(string kernel, string[] parameters, ReadOnlySpan<KernelArg> args)
    {
        if (parameters.Length != args.Length)
            return $"kernel '{kernel}' takes {parameters.Length} parameters ({string.Join(", ", parameters)}); the launch passed {args.Length}.";
        for (var i = 0; i < args.Length; i++)
            if (!Accepts(parameters[i], args[i].Kind))
                return $"kernel '{kernel}' parameter {i} is .{parameters[i]}; the launch passed {args[i]}.";
        return null;
    }

    [GeneratedRegex(@"\.entry\s+(\w+)\s*\(([^)]*)\)")]
    private static partial Regex EntryPattern();

    [GeneratedRegex(@"\.param\s+\.(\w+)")]
    private static partial Regex ParamPattern();
}
