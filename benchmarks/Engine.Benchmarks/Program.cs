using BenchmarkDotNet.Running;
using Engine.Benchmarks;

// Run all benchmarks:   dotnet run -c Release --project benchmarks/Engine.Benchmarks -- --filter '*'
// Run one class:        dotnet run -c Release --project benchmarks/Engine.Benchmarks -- --filter '*Gemm*'
// On a GPU machine (no SDK there): add --inProcess so BenchmarkDotNet does not try to build a project.
// Conv dW A/B (quick):  dotnet run -c Release --project benchmarks/Engine.Benchmarks -- wgrad-probe R20S1,SeedConv1 10 [threads]
// Seed CNN vs PyTorch:  dotnet run -c Release --project benchmarks/Engine.Benchmarks -- gpu-compare --json
if (args.Length > 0 && args[0] == "wgrad-probe") return WeightGradProbe.Layers(args[1..]);
if (args.Length > 0 && args[0] == "wgrad-kernel") return WeightGradProbe.Kernel(args[1..]);
if (args.Length > 0 && args[0] == "gpu-compare") return GpuCompare.Run(args[1..]);
// Small-plane conv levers, interleaved: dotnet run -c Release --project benchmarks/Engine.Benchmarks -- conv-ab
if (args.Length > 0 && args[0] == "conv-ab") return ConvSmallPlaneAb.Run(args[1..]);
// Conv forward / input gradient on ResNet-20 and seed CNN shapes, interleaved: ... -- fwd-ab [--shapes R20Stage3] [--methods A,B]
if (args.Length > 0 && args[0] == "fwd-ab") return ConvForwardDxAb.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
