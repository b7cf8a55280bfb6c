using BenchmarkDotNet.Running;

// Run all benchmarks:   dotnet run -c Release --project benchmarks/Engine.Benchmarks -- --filter '*'
// Run one class:        dotnet run -c Release --project benchmarks/Engine.Benchmarks -- --filter '*Gemm*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
