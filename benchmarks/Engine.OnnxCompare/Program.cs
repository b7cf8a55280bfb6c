// ResNet18 forward (inference) at 224x224: Engine (the model imported from the package's ResNet18.onnx)
// vs ONNX Runtime on the same file, both on the CPU with the same thread count, interleaved.
//   dotnet run --project benchmarks/Engine.OnnxCompare -c Release -- [--batch 32] [--threads 2] [--rounds 5]
// Prints each round's times, the medians and the ratio Engine / ORT (above 1: Engine is slower), and
// checks that the two outputs agree (max |difference|) so the timed work is the same computation.
using System.Diagnostics;
using System.Reflection;
using Engine.Autograd;
using Engine.Onnx;
using Engine.Tensors;
using Tensor = Engine.Tensors.Tensor;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

var batch = Arg("--batch", 32);
var threads = Arg("--threads", Environment.ProcessorCount);
var rounds = Arg("--rounds", 5);
var path = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ResNet18Onnx").Value!;

// Engine's CPU kernels use every core (Environment.ProcessorCount); give ORT the same count with --threads.
using var model = OnnxModel.Load(path);

// The CNTK file fixes the batch at 1; ORT gets a copy whose batch dimension is symbolic.
var proto = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
proto.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new Onnx.TensorShapeProto.Types.Dimension { DimParam = "N" };
proto.Graph.Output[0].Type.TensorType.Shape.Dim[0] = new Onnx.TensorShapeProto.Types.Dimension { DimParam = "N" };
using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
using var session = new InferenceSession(proto.ToByteArray(), options);

using var x = Tensor.RandomUniform(new Shape(batch, 3, 224, 224), new Rng(1), -120, 130);
var data = x.ToFloatArray();
var ortInput = new DenseTensor<float>(data, new[] { batch, 3, 224, 224 });
var inputName = session.InputMetadata.Keys.Single();

float[] RunEngine()
{
    using var noGrad = Tape.NoGrad();
    using var scope = new TensorScope();
    return model.Forward(x).ToFloatArray();
}

float[] RunOrt()
{
    using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, ortInput)]);
    return results.Single().AsTensor<float>().ToArray();
}

// Warm-up (JIT, ORT's arena, Engine's pools) and the agreement check.
var a = RunEngine();
var b = RunOrt();
var maxDiff = a.Zip(b, (p, q) => Math.Abs(p - q)).Max();
Console.WriteLine($"ResNet18 224x224, batch {batch}, {threads} threads, {rounds} rounds; max |engine - ort| = {maxDiff:G3} over {a.Length} outputs");
Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");

var engineTimes = new List<double>();
var ortTimes = new List<double>();
for (var r = 0; r < rounds; r++)
{
    // Alternate which runs first so drift on a shared machine hits both alike.
    foreach (var engineFirst in new[] { r % 2 == 0 })
    {
        if (engineFirst) { engineTimes.Add(Time(RunEngine)); ortTimes.Add(Time(RunOrt)); }
        else { ortTimes.Add(Time(RunOrt)); engineTimes.Add(Time(RunEngine)); }
    }
    Console.WriteLine($"round {r + 1}: engine {engineTimes[^1]:F0} ms, ort {ortTimes[^1]:F0} ms");
}
var (em, om) = (Median(engineTimes), Median(ortTimes));
Console.WriteLine($"median: engine {em:F0} ms ({batch * 1000 / em:F1} img/s), ort {om:F0} ms ({batch * 1000 / om:F1} img/s); ratio engine/ort = {em / om:F2}");
Console.WriteLine($"ranges: engine {engineTimes.Min():F0}-{engineTimes.Max():F0} ms, ort {ortTimes.Min():F0}-{ortTimes.Max():F0} ms");

static double Time(Func<float[]> run)
{
    var w = Stopwatch.StartNew();
    run();
    return w.Elapsed.TotalMilliseconds;
}

static double Median(List<double> v)
{
    var s = v.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) && v > 0 ? v : fallback;
}
