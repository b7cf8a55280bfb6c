using BenchmarkDotNet.Running;
using Engine.Benchmarks;

// Run all benchmarks:   dotnet run -c Release --project benchmarks/Engine.Benchmarks -- --filter '*'
// Run one class:        dotnet run -c Release --project benchmarks/Engine.Benchmarks -- --filter '*Gemm*'
// On a GPU machine (no SDK there): add --inProcess so BenchmarkDotNet does not try to build a project.
// Conv dW A/B (quick):  dotnet run -c Release --project benchmarks/Engine.Benchmarks -- wgrad-probe R20S1,SeedConv1 10 [threads]
// Seed CNN vs PyTorch:  dotnet run -c Release --project benchmarks/Engine.Benchmarks -- gpu-compare --json
if (args.Length > 0 && args[0] == "wgrad-probe") return WeightGradProbe.Layers(args[1..]);
if (args.Length > 0 && args[0] == "wgrad-copies") return WeightGradProbe.Copies(args[1..]);
if (args.Length > 0 && args[0] == "wgrad-kernel") return WeightGradProbe.Kernel(args[1..]);
if (args.Length > 0 && args[0] == "gpu-compare") return GpuCompare.Run(args[1..]);
// Batch-norm passes, quick:  dotnet run -c Release --project benchmarks/Engine.Benchmarks -- bn-probe W4S1,W4S2,W4S3 20 [threads]
// Small-plane conv levers, interleaved: dotnet run -c Release --project benchmarks/Engine.Benchmarks -- conv-ab
if (args.Length > 0 && args[0] == "bn-probe") return BatchNormProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "conv-ab") return ConvSmallPlaneAb.Run(args[1..]);
// Per-tap small-plane convolutions vs before, interleaved: ... -- tap-ab [--rounds N] [--shapes R18Layer4,...]
if (args.Length > 0 && args[0] == "tap-ab") return ConvTapAb.Run(args[1..]);
// Conv forward / input gradient on ResNet-20 and seed CNN shapes, interleaved: ... -- fwd-ab [--shapes R20Stage3] [--methods A,B]
if (args.Length > 0 && args[0] == "fwd-ab") return ConvForwardDxAb.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
