using System.Diagnostics;

namespace Engine.Onnx.Tests.Support;

/// <summary>The reference checker, onnx.checker.check_model(full_check=True), from Debian's
/// python3-onnx under /usr/bin/python3 (not the python3 first on PATH). Missing locally: the test
/// skips with the reason; in CI (CI=true, where .ci/run installs it) missing is a failure.</summary>
internal static class OnnxChecker
{
    private const string Python = "/usr/bin/python3";

    private const string Script =
        "import sys, onnx\n" +
        "for p in sys.argv[1:]:\n" +
        "    onnx.checker.check_model(onnx.load(p), full_check=True)\n" +
        "    print('ok', p)\n";

    public static void RequireAvailable()
    {
        var reason = Unavailable();
        if (reason is null) return;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail($"The ONNX reference checker must run in CI but {reason} (.ci/run installs python3-onnx).");
        Assert.Skip($"ONNX reference checker not available: {reason} (Debian: apt-get install python3-onnx).");
    }

    private static string? Unavailable()
    {
        if (!File.Exists(Python)) return $"{Python} does not exist";
        var (code, _, err) = RunPython("-c", "import onnx");
        return code == 0 ? null : $"{Python} cannot import onnx ({err.Trim().Split('\n')[^1]})";
    }

    /// <summary>Checks every file in one interpreter; fails naming the first file rejected and why.</summary>
    public static void AssertValid(IReadOnlyList<string> paths)
    {
        var (code, output, error) = RunPython(["-c", Script, .. paths]);
        Assert.True(code == 0, $"onnx.checker rejected a file (exit {code}).\n{output}\n{error}");
        Assert.Equal(paths.Count, output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
    }

    private static (int Code, string Output, string Error) RunPython(params string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill();
            Assert.Fail("onnx.checker did not finish within 120 s.");
        }
        return (p.ExitCode, output.Result, error.Result);
    }
}
