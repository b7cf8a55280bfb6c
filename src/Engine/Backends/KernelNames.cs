using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;

namespace Engine.Backends;

/// <summary>Where a kernel's name comes from: the backend method's own name, in snake_case
/// (MaxPool2DForward → max_pool2d_forward, Im2Col → im2col). CudaBackend launches the kernels/*.cu
/// entry point of that name and CpuBackend names it in its errors, so an op's kernel name is written
/// once — as the IBackend method — and a CUDA kernel is renamed by renaming the method.</summary>
internal static class KernelNames
{
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    /// <summary>The kernel name of the calling method (or of <paramref name="method"/>).</summary>
    public static string Of([CallerMemberName] string method = "") => Cache.GetOrAdd(method, SnakeCase);

    /// <summary>An underscore before each capital that starts a word: after a lower-case letter, or
    /// after a capital when a lower-case letter follows (the end of "2D" in "2DForward"); a capital
    /// right after a digit joins it ("Im2Col", "Pool2D").</summary>
    internal static string SnakeCase(string method)
    {
        var s = new StringBuilder(method.Length + 8);
        for (var i = 0; i < method.Length; i++)
        {
            var ch = method[i];
            if (char.IsUpper(ch) && i > 0)
            {
                var prev = method[i - 1];
                var nextLower = i + 1 < method.Length && char.IsLower(method[i + 1]);
                if (char.IsLower(prev) || (char.IsUpper(prev) && nextLower)) s.Append('_');
            }
            s.Append(char.ToLowerInvariant(ch));
        }
        return s.ToString();
    }
}
